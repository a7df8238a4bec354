#include "base/memory_file_system.h"

#include <cerrno>
#include <cstdio>

#include "base/source_files.h"

namespace sd {
MemoryFileSystem::MemoryFileSystem() : folders_{"/", "."} {}

void MemoryFileSystem::put(const std::string& path, std::string content, mode_t mode) {
  (void)make_directories(folder_of(path));
  files_[path] = File{std::move(content), mode, 0, 0};
}

const MemoryFileSystem::File* MemoryFileSystem::file(const std::string& path) const {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

std::vector<std::string> MemoryFileSystem::paths() const {
  std::vector<std::string> out;
  for (const auto& [path, file] : files_) out.push_back(path);
  return out;
}

Result<std::optional<FileStatus>> MemoryFileSystem::status(const std::string& path) {
  FileStatus out;
  if (const File* f = file(path)) {
    out.regular = true;
    out.mode = f->mode;
    out.uid = f->uid;
    out.gid = f->gid;
    out.size = f->content.size();
  } else if (folders_.contains(path)) {
    out.folder = true;
    out.mode = 0755;
  } else {
    return std::optional<FileStatus>();
  }
  return std::optional<FileStatus>(out);
}

Result<std::string> MemoryFileSystem::read_file(const std::string& path, size_t max_bytes) {
  if (folders_.contains(path)) return make_error("it is a directory", Location{path});
  const File* f = file(path);
  if (!f) return file_error(path, ENOENT);
  if (f->content.size() > max_bytes)
    return make_error("larger than " + std::to_string(max_bytes >> 20) + " MiB", Location{path});
  return f->content;
}

Result<std::vector<std::string>> MemoryFileSystem::list_files(const std::string& folder) {
  if (!folders_.contains(folder)) return file_error(folder, ENOENT);
  std::vector<std::string> out;
  for (const auto& [path, f] : files_)
    if (folder_of(path) == folder) out.push_back(path.substr(path.rfind('/') + 1));
  return out;
}

Status MemoryFileSystem::make_directories(const std::string& folder) {
  std::vector<std::string> missing;
  for (std::string at = folder; !folders_.contains(at); at = folder_of(at)) {
    if (files_.contains(at)) return file_error(at, EEXIST);
    missing.push_back(at);
  }
  folders_.insert(missing.begin(), missing.end());
  return ok_status();
}

Result<NewFile> MemoryFileSystem::create_temporary(const std::string& prefix) {
  if (!folders_.contains(folder_of(prefix + "X"))) return file_error(prefix, ENOENT);
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%06u", next_name_++ % 1000000);
  std::string path = prefix + suffix;
  files_[path] = File{"", 0600, 0, 0};
  int handle = next_handle_++;
  open_[handle] = path;
  return NewFile{handle, std::move(path)};
}

Result<MemoryFileSystem::File*> MemoryFileSystem::open_file(const NewFile& file) {
  auto it = open_.find(file.handle);
  if (it == open_.end()) return file_error(file.path, EBADF);
  auto f = files_.find(it->second);
  if (f == files_.end()) return file_error(file.path, ENOENT);  // removed while open
  return &f->second;
}

Status MemoryFileSystem::write(const NewFile& file, std::string_view bytes) {
  Result<File*> f = open_file(file);
  if (!f.ok()) return f.take_errors();
  (*f)->content.append(bytes);
  return ok_status();
}

Status MemoryFileSystem::set_owner(const NewFile& file, uid_t uid, gid_t gid) {
  Result<File*> f = open_file(file);
  if (!f.ok()) return f.take_errors();
  (*f)->uid = uid;
  (*f)->gid = gid;
  return ok_status();
}

Status MemoryFileSystem::set_mode(const NewFile& file, mode_t mode) {
  Result<File*> f = open_file(file);
  if (!f.ok()) return f.take_errors();
  (*f)->mode = mode;
  return ok_status();
}

Status MemoryFileSystem::sync(const NewFile& file) {
  Result<File*> f = open_file(file);
  if (!f.ok()) return f.take_errors();
  return ok_status();
}

Status MemoryFileSystem::close(const NewFile& file) {
  if (open_.erase(file.handle) == 0) return file_error(file.path, EBADF);
  return ok_status();
}

Status MemoryFileSystem::rename(const std::string& from, const std::string& to) {
  auto it = files_.find(from);
  if (it == files_.end()) return file_error(from, folders_.contains(from) ? EISDIR : ENOENT);
  if (folders_.contains(to)) return file_error(to, EISDIR);
  if (!folders_.contains(folder_of(to))) return file_error(to, ENOENT);
  File moved = std::move(it->second);
  files_.erase(it);
  files_[to] = std::move(moved);
  for (auto& [handle, path] : open_)
    if (path == from) path = to;  // an open file follows its name, as a descriptor does
  return ok_status();
}

Status MemoryFileSystem::remove(const std::string& path) {
  if (folders_.contains(path)) return file_error(path, EISDIR);
  if (files_.erase(path) == 0) return file_error(path, ENOENT);
  return ok_status();
}

Status MemoryFileSystem::sync_folder(const std::string& folder) {
  if (!folders_.contains(folder)) return file_error(folder, ENOENT);
  return ok_status();
}

}  // namespace sd

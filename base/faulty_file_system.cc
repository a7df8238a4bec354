#include "base/faulty_file_system.h"

namespace sd {

std::string_view to_string(FileOp op) {
  static constexpr std::array<std::string_view, kFileOpCount> kNames = {"status",
                                                                        "read file",
                                                                        "list files",
                                                                        "make directories",
                                                                        "create temporary file",
                                                                        "write",
                                                                        "set owner",
                                                                        "set mode",
                                                                        "sync",
                                                                        "close",
                                                                        "rename",
                                                                        "remove",
                                                                        "sync folder"};
  return kNames[static_cast<size_t>(op)];
}

void FaultyFileSystem::fail(FileOp op, int nth, int error_number) {
  faults_.push_back(Fault{op, calls(op) + nth, error_number});
}

Status FaultyFileSystem::check(FileOp op, const std::string& path) {
  const int call = ++calls_[static_cast<size_t>(op)];
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->op != op || it->at_call != call) continue;
    int error_number = it->error_number;
    faults_.erase(it);
    ++fired_;
    return file_error(path, error_number);
  }
  return ok_status();
}

Result<std::optional<FileStatus>> FaultyFileSystem::status(const std::string& path) {
  if (Status s = check(FileOp::GetStatus, path); !s.ok()) return s.take_errors();
  return inner_.status(path);
}

Result<std::string> FaultyFileSystem::read_file(const std::string& path, size_t max_bytes) {
  if (Status s = check(FileOp::ReadFile, path); !s.ok()) return s.take_errors();
  return inner_.read_file(path, max_bytes);
}

Result<std::vector<std::string>> FaultyFileSystem::list_files(const std::string& folder) {
  if (Status s = check(FileOp::ListFiles, folder); !s.ok()) return s.take_errors();
  return inner_.list_files(folder);
}

Status FaultyFileSystem::make_directories(const std::string& folder) {
  if (Status s = check(FileOp::MakeDirectories, folder); !s.ok()) return s;
  return inner_.make_directories(folder);
}

Result<NewFile> FaultyFileSystem::create_temporary(const std::string& prefix) {
  if (Status s = check(FileOp::CreateTemporary, prefix); !s.ok()) return s.take_errors();
  return inner_.create_temporary(prefix);
}

Status FaultyFileSystem::write(const NewFile& file, std::string_view bytes) {
  if (Status s = check(FileOp::Write, file.path); !s.ok()) {
    // Half of it reaches the file first: the caller must not leave that behind.
    (void)inner_.write(file, bytes.substr(0, bytes.size() / 2));
    return s;
  }
  return inner_.write(file, bytes);
}

Status FaultyFileSystem::set_owner(const NewFile& file, uid_t uid, gid_t gid) {
  if (Status s = check(FileOp::SetOwner, file.path); !s.ok()) return s;
  return inner_.set_owner(file, uid, gid);
}

Status FaultyFileSystem::set_mode(const NewFile& file, mode_t mode) {
  if (Status s = check(FileOp::SetMode, file.path); !s.ok()) return s;
  return inner_.set_mode(file, mode);
}

Status FaultyFileSystem::sync(const NewFile& file) {
  if (Status s = check(FileOp::Sync, file.path); !s.ok()) return s;
  return inner_.sync(file);
}

Status FaultyFileSystem::close(const NewFile& file) {
  if (Status s = check(FileOp::Close, file.path); !s.ok()) {
    (void)inner_.close(file);  // as close(2): the descriptor is gone even when it fails
    return s;
  }
  return inner_.close(file);
}

Status FaultyFileSystem::rename(const std::string& from, const std::string& to) {
  if (Status s = check(FileOp::Rename, to); !s.ok()) return s;
  return inner_.rename(from, to);
}

Status FaultyFileSystem::remove(const std::string& path) {
  if (Status s = check(FileOp::Remove, path); !s.ok()) return s;
  return inner_.remove(path);
}

Status FaultyFileSystem::sync_folder(const std::string& folder) {
  if (Status s = check(FileOp::SyncFolder, folder); !s.ok()) return s;
  return inner_.sync_folder(folder);
}

}  // namespace sd

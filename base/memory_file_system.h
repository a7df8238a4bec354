// FileSystem in memory, for tests: files and folders in maps, errors as the disk gives them
// (ENOENT, EISDIR, ...). A temporary file is a file like any other from the moment it is
// created, so a test sees one left behind.
#pragma once

#include <map>
#include <set>

#include "base/file_system.h"

namespace sd {

class MemoryFileSystem : public FileSystem {
 public:
  struct File {
    std::string content;
    mode_t mode = 0644;
    uid_t uid = 0;
    gid_t gid = 0;
  };

  // "/" and "." exist; other folders are made by make_directories() or put().
  MemoryFileSystem();

  // A file with `content`, its folders made as needed.
  void put(const std::string& path, std::string content, mode_t mode = 0644);
  // The file at `path`, if any.
  [[nodiscard]] const File* file(const std::string& path) const;
  // Every file's path, sorted.
  [[nodiscard]] std::vector<std::string> paths() const;

  Result<std::optional<FileStatus>> status(const std::string& path) override;
  bool is_symbolic_link(const std::string&) override { return false; }  // there are none
  Result<std::string> read_file(const std::string& path, size_t max_bytes) override;
  Result<std::vector<std::string>> list_files(const std::string& folder) override;
  Status make_directories(const std::string& folder) override;
  Result<NewFile> create_temporary(const std::string& prefix) override;
  Status write(const NewFile& file, std::string_view bytes) override;
  Status set_owner(const NewFile& file, uid_t uid, gid_t gid) override;
  Status set_mode(const NewFile& file, mode_t mode) override;
  Status sync(const NewFile& file) override;
  Status close(const NewFile& file) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Status sync_folder(const std::string& folder) override;

 private:
  // The open file of `file`, or an error (EBADF) when it is not open.
  Result<File*> open_file(const NewFile& file);

  std::map<std::string, File> files_;
  std::set<std::string> folders_;
  std::map<int, std::string> open_;  // handle -> path
  int next_handle_ = 3;
  unsigned next_name_ = 0;
};

}  // namespace sd

#include "base/atomic_file.h"

#include "base/source_files.h"

namespace sd {
namespace {

constexpr std::string_view kTemporarySuffix = ".tmp-";
constexpr size_t kRandomCharacters = 6;  // what create_temporary() appends

}  // namespace

Status write_file_atomically(const std::string& path, std::string_view content, mode_t mode,
                             const FileStatus* keep_owner, FileSystem& files) {
  auto fail = [&](const char* what, const Status& why) {
    return make_error(std::string("cannot write file: ") + what + ": " + why.errors()[0].message,
                      Location{path});
  };
  Result<NewFile> created = files.create_temporary(path + std::string(kTemporarySuffix));
  if (!created.ok()) return fail("create temporary file", created.take_errors());
  const NewFile& temp = *created;
  // Every failure after this point closes and removes the temporary file: it may hold secrets.
  auto abandon = [&](const char* what, const Status& why, bool open = true) {
    Status s = fail(what, why);
    if (open) (void)files.close(temp);
    (void)files.remove(temp.path);
    return s;
  };
  if (Status s = files.write(temp, content); !s.ok()) return abandon("write", s);
  if (keep_owner)
    if (Status s = files.set_owner(temp, keep_owner->uid, keep_owner->gid); !s.ok())
      return abandon("keep the owner", s);
  if (Status s = files.set_mode(temp, mode); !s.ok()) return abandon("set permissions", s);
  if (Status s = files.sync(temp); !s.ok()) return abandon("sync", s);
  if (Status s = files.close(temp); !s.ok()) return abandon("close", s, false);
  if (Status s = files.rename(temp.path, path); !s.ok()) return abandon("rename", s, false);
  // The rename itself must survive a crash: sync the folder entry too. The new content is in
  // place by now, so a failure here is not the write's.
  (void)files.sync_folder(folder_of(path));
  return ok_status();
}

void remove_stale_temporaries(const std::string& path, FileSystem& files) {
  const std::string folder = folder_of(path);
  const std::string prefix = path.substr(path.rfind('/') + 1) + std::string(kTemporarySuffix);
  Result<std::vector<std::string>> names = files.list_files(folder);
  if (!names.ok()) return;  // nothing can be removed from a folder that cannot be listed
  for (const std::string& name : *names)
    if (name.size() == prefix.size() + kRandomCharacters && name.starts_with(prefix))
      (void)files.remove(join_path(folder, name));
}

}  // namespace sd

// model/atomic_io.h: files and folders that are either complete or absent, and one writer per folder.
//
// A kill -9, a full disk or a second process must never leave a run folder that cannot go on.
// Four rules, used by every writer in the project:
//
//   write_file_atomic(path, bytes)   NAME.tmp is written and flushed to disk (fsync), then renamed
//                                    to NAME: a reader sees the old file or the new one, never half.
//   commit_dir_atomic(dir, fill)     files that only make sense together (a checkpoint: weights,
//                                    optimizer moments, data position) are written into DIR.tmp/,
//                                    flushed, and the folder is renamed to DIR: that one rename is
//                                    the commit. A DIR without .tmp is complete by construction.
//   remove_stale_tmp(dir)            what a killed writer left (*.tmp) is removed when the next
//                                    writer starts; a failed write (disk full) removes its own.
//   RunLock lock(dir)                one process writes a folder at a time: an exclusive flock on
//                                    DIR/.lock (which holds the owner's PID); the kernel releases it
//                                    when the process ends, however it ends.
//
// Tests can stop a writer between any two file operations: every operation here first calls
// the hook set by set_file_op_hook, and the environment variable SR_KILL_AT_FILE_OP=k makes the
// process kill itself (SIGKILL) just before its k-th file operation (tests/kill_resume.sh).
#pragma once
#include <functional>
#include <string>

namespace sr {

bool file_exists(const std::string& path);
bool is_dir(const std::string& path);
// Creates dir and its parents; an error if a part of the path is a file.
void make_dirs(const std::string& dir);
std::string read_file(const std::string& path);  // throws with a HINT when missing

// path.tmp, fsync, rename to path. On failure (disk full) the .tmp is removed and the old file,
// if any, is left as it was.
void write_file_atomic(const std::string& path, const std::string& bytes);

// Writes a folder in one commit: fill(tmp) writes the files into dir + ".tmp" (with
// write_file_atomic or anything else), then the folder is flushed and renamed to dir.
// dir must not exist yet. If fill throws, the .tmp folder is removed and the error goes on.
void commit_dir_atomic(const std::string& dir, const std::function<void(const std::string& tmp_dir)>& fill);

void remove_tree(const std::string& path);  // a file or a folder with everything in it; no error if absent
// Removes every entry of dir whose name ends in ".tmp" (in sub-folders too when recursive).
void remove_stale_tmp(const std::string& dir, bool recursive = false);

// An exclusive lock on a folder (created if missing), held until destruction or process exit.
// A second holder, in this process or another, gets an error naming the first one's PID and
// what to do. It also checks that the folder can be written, before any work starts.
class RunLock {
public:
    explicit RunLock(const std::string& dir);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

private:
    int fd_ = -1;
};

// Tests: called before each file operation of this module with its name ("create", "write",
// "fsync", "rename", "mkdir", "remove", "fsync_dir") and path. A hook that throws something that
// is not a std::exception stops the writer as a kill would: no cleanup runs on its way out.
using FileOpHook = std::function<void(const std::string& op, const std::string& path)>;
void set_file_op_hook(FileOpHook hook);  // an empty hook switches it off

}  // namespace sr

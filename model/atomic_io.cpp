// model/atomic_io.cpp
#include "model/atomic_io.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/io.h"
#include "tensor/tensor.h"  // fail

namespace sr {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// the test hook: every file operation below starts with file_op(...)

static FileOpHook& hook() {
    static FileOpHook h;
    return h;
}

void set_file_op_hook(FileOpHook h) { hook() = std::move(h); }

static void file_op(const char* op, const std::string& path) {
    static const long kill_at = std::getenv("SR_KILL_AT_FILE_OP") ? std::atol(std::getenv("SR_KILL_AT_FILE_OP")) : 0;
    static long count = 0;
    if (kill_at > 0 && ++count == kill_at) std::raise(SIGKILL);  // a real kill -9, at a chosen moment
    if (hook()) hook()(op, path);
}

static std::string errno_text() { return std::strerror(errno); }

// A file descriptor closed on every way out (closing loses nothing a kill would keep).
struct Fd {
    int fd;
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

static void fsync_dir(const std::string& dir) {  // makes the names in dir (renames, new files) durable
    file_op("fsync_dir", dir);
    Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d.fd >= 0) ::fsync(d.fd);  // best effort: some file systems cannot sync a folder
}

static std::string parent_of(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// ---------------------------------------------------------------------------------------------

bool file_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

bool is_dir(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void make_dirs(const std::string& dir) {
    std::string at;
    std::stringstream ss(dir);
    std::string part;
    if (!dir.empty() && dir[0] == '/') at = "/";
    while (std::getline(ss, part, '/')) {
        if (part.empty()) continue;
        at += part + "/";
        if (is_dir(at)) continue;
        if (file_exists(at.substr(0, at.size() - 1)))
            fail("make_dirs", at.substr(0, at.size() - 1) + " exists and is not a folder. HINT: choose another folder name");
        file_op("mkdir", at);
        if (::mkdir(at.c_str(), 0755) != 0 && errno != EEXIST) fail("make_dirs", "cannot create folder " + at + ": " + errno_text());
    }
}

std::string read_file(const std::string& path) {
    // a directory, a device or an oversized file in place of the file is an error naming it
    return read_file_checked(path, kMaxTextFileBytes, "check the path (a model folder needs model.safetensors, config.json, tokenizer.txt)");
}

static bool write_all(int fd, const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
    const std::string tmp = path + ".tmp";
    file_op("create", tmp);
    Fd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (f.fd < 0) fail("write", "cannot create " + tmp + ": " + errno_text() + ". HINT: does the folder exist and is it writable?");
    file_op("write", tmp);
    bool ok = write_all(f.fd, bytes);
    if (ok) {
        file_op("fsync", tmp);  // the bytes reach the disk before the name points at them
        ok = ::fsync(f.fd) == 0 || errno == EINVAL;  // EINVAL: a file system without fsync
    }
    if (ok) {
        ok = ::close(f.fd) == 0;
        f.fd = -1;
    }
    if (!ok) {
        const int err = errno;
        ::unlink(tmp.c_str());  // a full disk must not stay full of our half-written file
        fail("write", "cannot write " + tmp + ": " + std::strerror(err) +
                          (err == ENOSPC ? ". HINT: the disk is full; free some space and run the same command again (it resumes)" : ""));
    }
    file_op("rename", path);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = errno_text();
        ::unlink(tmp.c_str());
        fail("write", "cannot rename " + tmp + " to " + path + ": " + why);
    }
}

void remove_tree(const std::string& path) {
    if (!file_exists(path)) return;
    file_op("remove", path);
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) fail("remove", "cannot remove " + path + ": " + ec.message());
}

void commit_dir_atomic(const std::string& dir, const std::function<void(const std::string& tmp_dir)>& fill) {
    if (file_exists(dir)) fail("commit", dir + " already exists: a committed folder is never rewritten in place");
    const std::string tmp = dir + ".tmp";
    remove_tree(tmp);  // what a killed attempt left
    file_op("mkdir", tmp);
    if (::mkdir(tmp.c_str(), 0755) != 0) fail("commit", "cannot create folder " + tmp + ": " + errno_text());
    try {
        fill(tmp);
    } catch (const std::exception&) {  // a real error (disk full): leave nothing behind
        remove_tree(tmp);
        throw;
    }
    fsync_dir(tmp);  // the files' names are durable before the folder's
    file_op("rename", dir);
    if (::rename(tmp.c_str(), dir.c_str()) != 0) fail("commit", "cannot rename " + tmp + " to " + dir + ": " + errno_text());
    fsync_dir(parent_of(dir));  // the commit itself
}

void remove_stale_tmp(const std::string& dir, bool recursive) {
    if (!is_dir(dir)) return;
    std::vector<std::string> stale, subdirs;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) stale.push_back(e.path().string());
        else if (recursive && e.is_directory(ec) && !e.is_symlink(ec)) subdirs.push_back(e.path().string());
    }
    for (const std::string& p : stale) remove_tree(p);
    for (const std::string& d : subdirs) remove_stale_tmp(d, true);
}

// ---------------------------------------------------------------------------------------------

RunLock::RunLock(const std::string& dir) {
    make_dirs(dir);
    if (::access(dir.c_str(), W_OK) != 0)
        fail("lock", dir + " cannot be written (" + errno_text() + "). HINT: choose a folder you can write to");
    const std::string path = dir + "/.lock";
    // O_CLOEXEC: a program we start (std::system) must not keep holding the lock after we exit
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("lock", "cannot open " + path + ": " + errno_text() + ". HINT: is the folder writable?");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char buf[32] = {0};
        const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
        std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
        ::close(fd_);
        fd_ = -1;
        if (err != EWOULDBLOCK) fail("lock", "cannot lock " + path + ": " + std::strerror(err));
        fail("lock", dir + " is in use by process " + pid + " (see " + path +
                         "): two processes writing one folder would mix their files. HINT: wait for process " + pid +
                         " to finish (or stop it: kill " + pid + "), then run the same command again; or use another folder");
    }
    const std::string me = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size()))
        fail("lock", "cannot write " + path + ": " + errno_text());
}

RunLock::~RunLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace sr

// Checkpoints and run folders: a kill between any two file operations of a save always resumes
// to the uninterrupted result, metrics rows are never written twice, one writer per folder,
// and the resume checks (a checkpoint past --steps, an output that cannot be written).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/catch.hpp"

#include "model/checkpoint.h"
#include "model/train.h"

using namespace sr;
using json = nlohmann::json;

namespace {

// A kill, as the test hook delivers it: not a std::exception, so no cleanup catches it on its
// way out (the disk is left exactly as a kill at that moment would leave it).
struct SimulatedKill {};

// tmpfs when there is one: hundreds of runs of fsync-ed writes stay fast.
std::string scratch(const std::string& name) {
    const std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    const std::string dir = base + "/sr_test_" + name + "_" + std::to_string(getpid());
    std::filesystem::remove_all(dir);
    return dir;
}

GPTConfig tiny_config() {
    GPTConfig c = preset_config("micro");
    c.vocab_size = 260, c.n_positions = 16, c.n_embd = 16, c.n_layer = 1, c.n_head = 2;
    c.dropout = 0.1;  // dropout masks must resume exactly too
    return c;
}

Tokenizer bytes_tokenizer() {
    Tokenizer t;
    t.train("", 260, {"<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>"});
    return t;
}

std::vector<int> stream_ids(int n, uint64_t seed) {
    Rng rng(seed);
    std::vector<int> v(n);
    for (int& x : v) x = static_cast<int>(rng.below(200));
    return v;
}

// metrics.jsonl without the one timing field
std::vector<json> metrics_rows(const std::string& path) {
    std::vector<json> rows;
    const std::string text = read_file(path);
    size_t at = 0;
    for (size_t end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
        json r = json::parse(text.substr(at, end - at));
        r.erase("tok_per_s");
        rows.push_back(r);
    }
    return rows;
}

// One "process": a fresh model and data sources, train() into dir.
// With kill_at > 0, the run is killed just before its kill_at-th file operation; returns
// whether it was.
bool run_training(const std::string& dir, int steps, long kill_at = 0, long* ops = nullptr, int stop_after = -1) {
    static const Tokenizer tok = bytes_tokenizer();
    GPT model(tiny_config(), 1);  // the same command each time: the same seed
    StreamBatches data(stream_ids(4000, 11), 2, 16, 5), val(stream_ids(600, 12), 2, 16, 6);
    TrainOptions opt;
    opt.steps = steps, opt.lr = 3e-3, opt.warmup = 2, opt.log_every = 1, opt.eval_every = 2, opt.eval_batches = 2;
    opt.checkpoint_every = 2, opt.seed = 3, opt.progress = false, opt.stop_after = stop_after;
    opt.out_dir = dir;
    opt.metrics_path = dir + "/metrics.jsonl";
    long count = 0;
    struct HookOff {  // the hook refers to this frame: switch it off however we leave
        ~HookOff() { set_file_op_hook(nullptr); }
    } hook_off;
    set_file_op_hook([&](const std::string&, const std::string&) {
        if (++count == kill_at) throw SimulatedKill{};
    });
    bool killed = false;
    try {
        train(model, tok, data, &val, opt);
    } catch (const SimulatedKill&) {
        killed = true;
    }
    if (ops) *ops = count;
    return killed;
}

std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) out.push_back(e.path().string());
    return out;
}

}  // namespace

TEST_CASE("a kill between any two file operations of training's checkpoints resumes to the same model and losses", "[checkpoint]") {
    const std::string full_dir = scratch("ckpt_full"), dir = scratch("ckpt_killed");
    const int steps = 4;  // checkpoints at step 2 and 4: the first one, and one that replaces an older one
    long ops = 0;
    REQUIRE_FALSE(run_training(full_dir, steps, 0, &ops));
    const std::string model = read_file(full_dir + "/model.safetensors");
    const std::vector<json> metrics = metrics_rows(full_dir + "/metrics.jsonl");
    REQUIRE(metrics.size() == 4 + 2);  // a loss row per step, val rows at 2 and (the end) 4
    REQUIRE(ops > 40);
    INFO("an uninterrupted run makes " << ops << " file operations");
    for (long k = 1; k <= ops; k++) {
        INFO("killed before file operation " << k);
        std::filesystem::remove_all(dir);
        REQUIRE(run_training(dir, steps, k));
        run_training(dir, steps, k);  // the resumed run is killed at the same point again (if it gets there)
        REQUIRE_FALSE(run_training(dir, steps));
        CHECK(read_file(dir + "/model.safetensors") == model);  // byte for byte
        CHECK(metrics_rows(dir + "/metrics.jsonl") == metrics);  // every loss once, bit for bit
        for (const std::string& p : entries(dir)) CHECK(p.find(".tmp") == std::string::npos);  // nothing stale left
        const auto ck = find_checkpoint(dir);
        REQUIRE(ck);
        CHECK(ck->step == steps);
        CHECK_FALSE(file_exists(dir + "/checkpoints/ckpt-000002"));  // the older one was deleted
    }
    std::filesystem::remove_all(full_dir);
    std::filesystem::remove_all(dir);
}

TEST_CASE("a model folder in the layout before atomic checkpoints (train_state beside the model) still resumes", "[checkpoint]") {
    const std::string full_dir = scratch("old_full"), dir = scratch("old_layout");
    REQUIRE_FALSE(run_training(full_dir, 6));
    REQUIRE_FALSE(run_training(dir, 6, 0, nullptr, 3));  // stopped after 3 steps, checkpoint at 3
    // Rewrite it the old way: train_state.* beside model.safetensors, no checkpoints/.
    for (const char* f : {"train_state.json", "train_state.safetensors"})
        std::filesystem::copy_file(dir + "/checkpoints/ckpt-000003/" + f, dir + "/" + f);
    std::filesystem::remove_all(dir + "/checkpoints");
    const auto ck = find_checkpoint(dir);
    REQUIRE(ck);
    CHECK(ck->old_layout);
    REQUIRE_FALSE(run_training(dir, 6));
    CHECK(read_file(dir + "/model.safetensors") == read_file(full_dir + "/model.safetensors"));
    CHECK(metrics_rows(dir + "/metrics.jsonl") == metrics_rows(full_dir + "/metrics.jsonl"));
    CHECK_FALSE(file_exists(dir + "/train_state.json"));  // superseded by the new layout
    CHECK(file_exists(dir + "/checkpoints/ckpt-000006/train_state.safetensors"));

    // Its two files out of step (an old run killed between its renames): a clear error.
    std::filesystem::remove_all(dir + "/checkpoints");
    write_file_atomic(dir + "/train_state.json", json{{"step", 2}, {"data", "0 0"}, {"stage", "train"}}.dump());
    std::filesystem::copy_file(full_dir + "/checkpoints/ckpt-000006/train_state.safetensors", dir + "/train_state.safetensors");
    REQUIRE_THROWS_WITH(run_training(dir, 8), Catch::Contains("disagree") && Catch::Contains("before checkpoints were atomic") &&
                                                  Catch::Contains("HINT"));
    std::filesystem::remove_all(full_dir);
    std::filesystem::remove_all(dir);
}

TEST_CASE("resuming a finished run does nothing; one past the steps asked for is an error and writes nothing", "[checkpoint]") {
    const std::string dir = scratch("past_steps");
    REQUIRE_FALSE(run_training(dir, 4));
    const std::string model = read_file(dir + "/model.safetensors"), metrics = read_file(dir + "/metrics.jsonl");
    long ops = -1;
    REQUIRE_FALSE(run_training(dir, 4, 0, &ops));  // the same command again
    CHECK(ops == 0);                               // not one file operation
    CHECK(read_file(dir + "/metrics.jsonl") == metrics);
    REQUIRE_THROWS_WITH(run_training(dir, 2), Catch::Contains("checkpoint at step 4, past the 2 steps") && Catch::Contains("HINT"));
    CHECK(read_file(dir + "/model.safetensors") == model);
    CHECK(read_file(dir + "/metrics.jsonl") == metrics);
    CHECK(find_checkpoint(dir)->step == 4);
    std::filesystem::remove_all(dir);
}

TEST_CASE("metrics.jsonl: rows past the resume point go, other stages' rows stay, a line cut off by a kill goes", "[checkpoint]") {
    const std::string dir = scratch("metrics");
    make_dirs(dir);
    const std::string path = dir + "/metrics.jsonl";
    const std::string kept = "{\"stage\":\"pretrain\",\"step\":10,\"loss\":3.0}\n"
                             "{\"stage\":\"sft\",\"step\":10,\"loss\":2.0}\n"
                             "{\"stage\":\"sft\",\"step\":20,\"val_loss\":2.1}\n"
                             "{\"stage\":\"pretrain\",\"step\":20,\"loss\":2.5}\n";
    write_file_atomic(path, kept + "{\"stage\":\"sft\",\"step\":30,\"loss\":1.9}\n{\"stage\":\"sft\",\"step\":40,\"lo");
    trim_jsonl_rows(path, "sft", 20);
    CHECK(read_file(path) == kept);
    long ops = 0;
    set_file_op_hook([&](const std::string&, const std::string&) { ops++; });
    trim_jsonl_rows(path, "sft", 20);  // nothing to drop: the file is not rewritten
    set_file_op_hook(nullptr);
    CHECK(ops == 0);
    trim_jsonl_rows(path, "sft", 0);  // a fresh start of the stage
    CHECK(read_file(path) == "{\"stage\":\"pretrain\",\"step\":10,\"loss\":3.0}\n{\"stage\":\"pretrain\",\"step\":20,\"loss\":2.5}\n");
    std::filesystem::remove_all(dir);
}

TEST_CASE("one writer per folder: a second lock, in this process or another, is refused naming the holder", "[checkpoint][lock]") {
    const std::string dir = scratch("lock");
    {
        const RunLock first(dir);
        CHECK(read_file(dir + "/.lock") == std::to_string(getpid()) + "\n");
        REQUIRE_THROWS_WITH(RunLock(dir), Catch::Contains("in use by process " + std::to_string(getpid())) && Catch::Contains("HINT"));
    }
    { const RunLock again(dir); }  // released when the first one went

    // Another process holds it (raw system calls only in the child: the parent has threads).
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    const std::string path = dir + "/.lock";
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        const int fd = open(path.c_str(), O_RDWR | O_CREAT, 0644);
        if (fd < 0 || flock(fd, LOCK_EX) != 0) _exit(1);
        char pid[32];
        const int n = std::snprintf(pid, sizeof pid, "%d\n", static_cast<int>(getpid()));
        if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, static_cast<size_t>(n), 0) != n) _exit(1);
        if (write(ready[1], "x", 1) != 1) _exit(1);
        for (;;) pause();  // until killed
    }
    char c;
    REQUIRE(read(ready[0], &c, 1) == 1);
    REQUIRE_THROWS_WITH(RunLock(dir), Catch::Contains("in use by process " + std::to_string(child)) && Catch::Contains("kill " + std::to_string(child)));
    kill(child, SIGKILL);  // a kill -9 releases the lock
    int status = 0;
    waitpid(child, &status, 0);
    { const RunLock after_kill(dir); }
    close(ready[0]), close(ready[1]);
    std::filesystem::remove_all(dir);
}

TEST_CASE("an output folder that cannot be written is an error before any work", "[checkpoint][lock]") {
    const std::string dir = scratch("not_a_folder");
    write_file_atomic(dir, "a file where a folder should be\n");
    REQUIRE_THROWS_WITH(RunLock(dir), Catch::Contains(dir + " exists and is not a folder"));
    std::filesystem::remove_all(dir);
    REQUIRE_THROWS_WITH(RunLock("/proc/sr_no_such_folder"), Catch::Contains("cannot create folder"));
    if (geteuid() != 0) {  // root writes into read-only folders, so this part needs an ordinary user
        const std::string ro = scratch("read_only");
        make_dirs(ro);
        std::filesystem::permissions(ro, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
        REQUIRE_THROWS_WITH(RunLock(ro), Catch::Contains("cannot be written") && Catch::Contains("HINT"));
        std::filesystem::permissions(ro, std::filesystem::perms::owner_all);
        std::filesystem::remove_all(ro);
    }
}

// A file size limit makes write() fail as a full disk does (EFBIG instead of ENOSPC).
struct FileSizeLimit {
    struct rlimit before;
    void (*old_handler)(int);
    explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &before);
        old_handler = std::signal(SIGXFSZ, SIG_IGN);  // a failed write, not a signal
        struct rlimit small = before;
        small.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &small);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &before);
        std::signal(SIGXFSZ, old_handler);
    }
};

TEST_CASE("a checkpoint that does not fit on the disk fails cleanly, and the same command later finishes the run", "[checkpoint]") {
    const std::string full_dir = scratch("full_disk_ref"), dir = scratch("full_disk");
    REQUIRE_FALSE(run_training(full_dir, 4));
    const size_t model_bytes = read_file(full_dir + "/model.safetensors").size();
    {
        // room for the model files, not for the optimizer state (twice their size)
        const FileSizeLimit limit(static_cast<rlim_t>(model_bytes + 4096));
        REQUIRE_THROWS_WITH(run_training(dir, 4), Catch::Contains("train_state.safetensors.tmp"));
    }
    for (const std::string& p : entries(dir)) CHECK(p.find(".tmp") == std::string::npos);  // nothing left filling the disk
    CHECK_FALSE(find_checkpoint(dir));
    REQUIRE_FALSE(run_training(dir, 4));  // space again: the same command
    CHECK(read_file(dir + "/model.safetensors") == read_file(full_dir + "/model.safetensors"));
    CHECK(metrics_rows(dir + "/metrics.jsonl") == metrics_rows(full_dir + "/metrics.jsonl"));
    std::filesystem::remove_all(full_dir);
    std::filesystem::remove_all(dir);
}

TEST_CASE("a write that fails (a full disk) leaves no .tmp behind and the old file as it was", "[checkpoint]") {
    const std::string dir = scratch("disk_full");
    make_dirs(dir);
    write_file_atomic(dir + "/file", "old");
    bool threw = false;
    try {
        const FileSizeLimit limit(1000);
        write_file_atomic(dir + "/file", std::string(5000, 'x'));
    } catch (const std::exception& e) {
        threw = std::string(e.what()).find(dir + "/file.tmp") != std::string::npos;
    }
    CHECK(threw);
    CHECK_FALSE(file_exists(dir + "/file.tmp"));
    CHECK(read_file(dir + "/file") == "old");
    // A checkpoint whose filling fails removes its .tmp folder and commits nothing.
    REQUIRE_THROWS_WITH(commit_dir_atomic(dir + "/ckpt-000001", [](const std::string& tmp) {
                            write_file_atomic(tmp + "/a", "a");
                            throw std::runtime_error("write: cannot write b: No space left on device");
                        }),
                        Catch::Contains("No space"));
    CHECK_FALSE(file_exists(dir + "/ckpt-000001.tmp"));
    CHECK_FALSE(file_exists(dir + "/ckpt-000001"));
    std::filesystem::remove_all(dir);
}

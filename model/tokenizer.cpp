// Byte-level BPE tokenizer (minbpe style): pre-splitting, training, encoding, the model file.
// See model/tokenizer.h for the id layout, the chunk rules and the file format.
#include "model/tokenizer.h"

#include "model/atomic_io.h"
#include "model/io.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <queue>
#include <sstream>
#include <stdexcept>

namespace sr {

namespace {

// A pair of token ids packed into one hash key. Comparing keys compares (a, b)
// lexicographically, which is what the deterministic tie-break needs.
inline uint64_t pair_key(int a, int b) { return (uint64_t)(uint32_t)a << 32 | (uint32_t)b; }
inline int key_first(uint64_t k) { return (int)(k >> 32); }
inline int key_second(uint64_t k) { return (int)(k & 0xffffffffu); }

// ----------------------------------------------------------------------------------------------
// pre-splitting

inline bool is_letter(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}
inline bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
inline bool is_punct(unsigned char c) { return !is_letter(c) && !is_digit(c) && !is_space(c); }

// Longer runs are cut into pieces of this many bytes. Natural text never gets near it; it
// bounds the work of encoding one chunk (a 1 MB run of letters would otherwise be one chunk,
// merged pass by pass) and lets every chunk go into the cache.
constexpr size_t kMaxChunkBytes = 64;

// Calls emit(begin, length) for each chunk of s[0..n), in order, covering every byte once.
template <typename Emit>
void for_each_chunk(const char* s, size_t n, Emit emit) {
    auto at = [&](size_t i) { return (unsigned char)s[i]; };
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        unsigned char c = at(i);
        // " ?letters" and " ?punct": a single space joins the word or punctuation after it
        if (c == ' ' && i + 1 < n && !is_digit(at(i + 1)) && !is_space(at(i + 1))) {
            ++i;
            c = at(i);
        }
        const size_t stop = std::min(n, start + kMaxChunkBytes);
        if (is_letter(c)) {
            while (i < stop && is_letter(at(i))) ++i;
        } else if (is_digit(c)) {
            ++i;  // digits always alone
        } else if (is_space(c)) {
            while (i < stop && is_space(at(i))) ++i;
            // leave the last space to a following word/punctuation chunk (GPT-2's \s+(?!\S))
            if (i < n && i - start >= 2 && at(i - 1) == ' ' && !is_digit(at(i)) && !is_space(at(i))) --i;
        } else {
            while (i < stop && is_punct(at(i))) ++i;
        }
        emit(s + start, i - start);
    }
}

// Calls on_text(begin, length) for the ordinary stretches and on_special(index) for each
// special string found, in order. Earliest match wins; at the same position, the longest.
template <typename OnText, typename OnSpecial>
void split_on_specials(const std::string& text, const std::vector<std::string>& specials,
                       OnText on_text, OnSpecial on_special) {
    std::vector<size_t> next(specials.size(), 0);  // next occurrence of each special at or after pos
    for (size_t k = 0; k < specials.size(); ++k) next[k] = text.find(specials[k]);
    size_t pos = 0;
    while (pos < text.size()) {
        size_t best_at = std::string::npos;
        int best = -1;
        for (size_t k = 0; k < specials.size(); ++k) {
            if (next[k] != std::string::npos && next[k] < pos) next[k] = text.find(specials[k], pos);
            if (next[k] == std::string::npos) continue;
            if (next[k] < best_at ||
                (next[k] == best_at && specials[k].size() > specials[best].size())) {
                best_at = next[k];
                best = (int)k;
            }
        }
        if (best < 0) {
            on_text(text.data() + pos, text.size() - pos);
            return;
        }
        if (best_at > pos) on_text(text.data() + pos, best_at - pos);
        on_special(best);
        pos = best_at + specials[best].size();
    }
}

// Merges every non-overlapping occurrence of (a, b), left to right, into new_id, in place.
void merge_pair(std::vector<int>& ids, int a, int b, int new_id) {
    size_t w = 0;
    for (size_t r = 0; r < ids.size(); ++r) {
        if (r + 1 < ids.size() && ids[r] == a && ids[r + 1] == b) {
            ids[w++] = new_id;
            ++r;
        } else {
            ids[w++] = ids[r];
        }
    }
    ids.resize(w);
}

// A token's bytes, readable: printable ASCII as is, the rest as \n \t \r \\ \" or \xNN.
std::string escape_bytes(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '\r') out += "\\r";
        else if (c >= 0x20 && c < 0x7f) out += (char)c;
        else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        }
    }
    return out + "\"";
}

void write_atomically(const std::string& path, const std::string& contents, const char* who) {
    (void)who;  // write_file_atomic's errors name the file
    write_file_atomic(path, contents);  // model/atomic_io.h: .tmp, fsync, rename
}

void check_specials(const std::vector<std::string>& specials, const std::string& where) {
    for (size_t i = 0; i < specials.size(); ++i) {
        const std::string& s = specials[i];
        if (s.empty() || s.find('\n') != std::string::npos || s.find('\r') != std::string::npos) {
            throw std::runtime_error(where + ": special token " + escape_bytes(s) +
                                     " is empty or holds a line break. HINT: use strings like \"<|end|>\".");
        }
        for (size_t j = 0; j < i; ++j) {
            if (specials[j] == s) {
                throw std::runtime_error(where + ": special token " + escape_bytes(s) +
                                         " appears twice. HINT: list each special once.");
            }
        }
    }
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// the chunk cache: encoding a chunk is a small loop over merges; common chunks (" the", ".")
// repeat constantly, so we remember their ids. Shared by copies of one trained tokenizer
// (train/load give a fresh one), guarded by a mutex so encode() may run on several threads.

struct Tokenizer::Cache {
    static constexpr size_t kMaxChunkLen = kMaxChunkBytes;  // (all chunks, in fact)
    static constexpr size_t kMaxEntries = 1 << 18; // then start over, so memory stays bounded
    std::mutex mu;
    std::unordered_map<std::string, std::vector<int>> ids;
};

Tokenizer::Tokenizer() { rebuild_tables("Tokenizer"); }

void Tokenizer::rebuild_tables(const std::string& where) {
    check_specials(specials_, where);
    vocab_.clear();
    vocab_.reserve(256 + merges_.size() + specials_.size());
    for (int b = 0; b < 256; ++b) vocab_.push_back(std::string(1, (char)b));
    merge_id_.clear();
    for (size_t r = 0; r < merges_.size(); ++r) {
        int a = merges_[r].first, b = merges_[r].second;
        vocab_.push_back(vocab_[a] + vocab_[b]);
        merge_id_[pair_key(a, b)] = 256 + (int)r;
    }
    for (const std::string& s : specials_) vocab_.push_back(s);
    cache_ = std::make_shared<Cache>();
}

std::vector<std::string> Tokenizer::split_chunks(const std::string& text) {
    std::vector<std::string> chunks;
    for_each_chunk(text.data(), text.size(),
                   [&](const char* p, size_t n) { chunks.emplace_back(p, n); });
    return chunks;
}

// ----------------------------------------------------------------------------------------------
// training

void Tokenizer::train(const std::string& text, int vocab_size,
                      const std::vector<std::string>& specials) {
    check_specials(specials, "Tokenizer::train");
    const int num_merges = vocab_size - 256 - (int)specials.size();
    if (num_merges < 0) {
        throw std::runtime_error("Tokenizer::train: vocab_size " + std::to_string(vocab_size) +
                                 " is smaller than 256 bytes + " + std::to_string(specials.size()) +
                                 " specials. HINT: ask for at least " +
                                 std::to_string(256 + specials.size()) + ".");
    }

    // 1. count the unique chunks: BPE never crosses a chunk, so a chunk that occurs 10,000 times
    //    is processed once with weight 10,000. This is what makes training fast.
    std::unordered_map<std::string, int64_t> chunk_counts;
    auto count_chunks = [&](const char* p, size_t n) {
        for_each_chunk(p, n, [&](const char* c, size_t len) {
            if (len >= 2) ++chunk_counts[std::string(c, len)];  // 1-byte chunks hold no pair
        });
    };
    split_on_specials(text, specials, count_chunks, [](int) {});

    std::vector<std::vector<int>> words;  // unique chunks as token ids
    std::vector<int64_t> word_count;      // how often each occurs
    words.reserve(chunk_counts.size());
    for (const auto& kv : chunk_counts) {
        words.emplace_back(kv.first.begin(), kv.first.end());
        for (int& id : words.back()) id &= 0xff;  // char may be signed
        word_count.push_back(kv.second);
    }
    chunk_counts.clear();

    // 2. pair counts over all words, and which words hold each pair (a superset: entries may
    //    go stale after merges; we recheck when we visit)
    std::unordered_map<uint64_t, int64_t> pair_count;
    std::unordered_map<uint64_t, std::vector<int>> pair_words;
    for (size_t w = 0; w < words.size(); ++w) {
        const std::vector<int>& ids = words[w];
        for (size_t i = 0; i + 1 < ids.size(); ++i) {
            uint64_t k = pair_key(ids[i], ids[i + 1]);
            pair_count[k] += word_count[w];
            std::vector<int>& where = pair_words[k];
            if (where.empty() || where.back() != (int)w) where.push_back((int)w);
        }
    }

    // 3. a max-heap of (count, pair) with lazy deletion: an entry is live only while its count
    //    still equals pair_count[pair]. Ties: the smaller key, i.e. the lowest (a, b), wins.
    using Entry = std::pair<int64_t, uint64_t>;
    auto worse = [](const Entry& x, const Entry& y) {
        return x.first < y.first || (x.first == y.first && x.second > y.second);
    };
    std::priority_queue<Entry, std::vector<Entry>, decltype(worse)> heap(worse);
    for (const auto& kv : pair_count) heap.push({kv.second, kv.first});

    std::vector<std::pair<int, int>> merges;
    std::vector<int> visited(words.size(), -1);  // merge index that last visited each word
    std::unordered_map<uint64_t, int64_t> delta; // pair count changes of this merge
    for (int m = 0; m < num_merges; ++m) {
        while (!heap.empty()) {
            auto it = pair_count.find(heap.top().second);
            if (it != pair_count.end() && it->second == heap.top().first) break;
            heap.pop();  // stale
        }
        if (heap.empty()) break;  // no pairs left: every chunk is a single token
        const uint64_t best = heap.top().second;
        heap.pop();
        const int a = key_first(best), b = key_second(best), new_id = 256 + m;
        merges.push_back({a, b});

        std::vector<int> where;
        where.swap(pair_words[best]);
        delta.clear();
        for (int w : where) {
            if (visited[w] == m) continue;
            visited[w] = m;
            std::vector<int>& ids = words[w];
            const int64_t cnt = word_count[w];
            for (size_t i = 0; i + 1 < ids.size(); ++i) delta[pair_key(ids[i], ids[i + 1])] -= cnt;
            merge_pair(ids, a, b, new_id);
            for (size_t i = 0; i + 1 < ids.size(); ++i) {
                uint64_t k = pair_key(ids[i], ids[i + 1]);
                delta[k] += cnt;
                if (ids[i] == new_id || ids[i + 1] == new_id) {
                    std::vector<int>& list = pair_words[k];
                    if (list.empty() || list.back() != w) list.push_back(w);
                }
            }
        }
        for (const auto& kv : delta) {
            if (kv.second == 0) continue;
            int64_t& c = pair_count[kv.first];
            c += kv.second;
            if (c <= 0) {
                pair_count.erase(kv.first);
            } else {
                heap.push({c, kv.first});
            }
        }
        pair_count.erase(best);
        pair_words.erase(best);
    }

    merges_ = std::move(merges);
    specials_ = specials;
    rebuild_tables("Tokenizer::train");
}

// ----------------------------------------------------------------------------------------------
// encoding and decoding

void Tokenizer::encode_chunk(const char* data, size_t len, std::vector<int>& out) const {
    if (len == 1) {
        out.push_back((unsigned char)data[0]);
        return;
    }
    const bool cacheable = len <= Cache::kMaxChunkLen;
    std::string key;
    if (cacheable) {
        key.assign(data, len);
        std::lock_guard<std::mutex> lock(cache_->mu);
        auto it = cache_->ids.find(key);
        if (it != cache_->ids.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<int> ids(len);  // (len) starts as bytes, shrinks with each merge
    for (size_t i = 0; i < len; ++i) ids[i] = (unsigned char)data[i];
    // Apply merges in the order they were learned: each round, the present pair with the
    // lowest rank (= lowest merged id) is merged everywhere, as in training.
    while (ids.size() >= 2) {
        int best_id = -1, best_a = 0, best_b = 0;
        for (size_t i = 0; i + 1 < ids.size(); ++i) {
            auto it = merge_id_.find(pair_key(ids[i], ids[i + 1]));
            if (it != merge_id_.end() && (best_id < 0 || it->second < best_id)) {
                best_id = it->second;
                best_a = ids[i];
                best_b = ids[i + 1];
            }
        }
        if (best_id < 0) break;
        merge_pair(ids, best_a, best_b, best_id);
    }
    out.insert(out.end(), ids.begin(), ids.end());
    if (cacheable) {
        std::lock_guard<std::mutex> lock(cache_->mu);
        if (cache_->ids.size() >= Cache::kMaxEntries) cache_->ids.clear();
        cache_->ids.emplace(std::move(key), std::move(ids));
    }
}

void Tokenizer::encode_ordinary(const std::string& text, std::vector<int>& out) const {
    for_each_chunk(text.data(), text.size(),
                   [&](const char* p, size_t n) { encode_chunk(p, n, out); });
}

std::vector<int> Tokenizer::encode(const std::string& text, bool allow_special) const {
    std::vector<int> out;
    out.reserve(text.size() / 3 + 16);
    if (!allow_special || specials_.empty()) {
        encode_ordinary(text, out);
        return out;
    }
    const int first_special = 256 + (int)merges_.size();
    split_on_specials(
        text, specials_,
        [&](const char* p, size_t n) {
            for_each_chunk(p, n, [&](const char* c, size_t len) { encode_chunk(c, len, out); });
        },
        [&](int k) { out.push_back(first_special + k); });
    return out;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
    std::string out;
    out.reserve(ids.size() * 4);
    for (int id : ids) {
        if (id < 0 || id >= (int)vocab_.size()) {
            throw std::runtime_error("Tokenizer::decode: id " + std::to_string(id) +
                                     " is outside the vocabulary of " + std::to_string(vocab_.size()) +
                                     ". HINT: were these ids made by a different tokenizer?");
        }
        out += vocab_[id];
    }
    return out;
}

int Tokenizer::vocab_size() const { return (int)vocab_.size(); }

int Tokenizer::special_id(const std::string& s) const {
    for (size_t k = 0; k < specials_.size(); ++k) {
        if (specials_[k] == s) return 256 + (int)merges_.size() + (int)k;
    }
    std::string known;
    for (const std::string& t : specials_) known += (known.empty() ? "" : ", ") + t;
    throw std::runtime_error("Tokenizer::special_id: '" + s + "' is not a special token (have: " +
                             (known.empty() ? "none" : known) +
                             "). HINT: pass it in the specials list when training.");
}

bool Tokenizer::is_special(int id) const {
    return id >= 256 + (int)merges_.size() && id < (int)vocab_.size();
}

std::string Tokenizer::token_bytes(int id) const {
    if (id < 0 || id >= (int)vocab_.size()) {
        throw std::runtime_error("Tokenizer::token_bytes: id " + std::to_string(id) +
                                 " is outside the vocabulary of " + std::to_string(vocab_.size()) +
                                 ". HINT: ids run from 0 to vocab_size() - 1.");
    }
    return vocab_[id];
}

// ----------------------------------------------------------------------------------------------
// the model file

void Tokenizer::save(const std::string& path) const {
    std::ostringstream f;
    f << "sr-bpe v1\n";
    f << "specials " << specials_.size() << "\n";
    for (const std::string& s : specials_) f << s << "\n";
    f << "merges " << merges_.size() << "\n";
    for (const auto& m : merges_) f << m.first << " " << m.second << "\n";
    write_atomically(path, f.str(), "Tokenizer::save");
}

Tokenizer Tokenizer::load(const std::string& path) {
    std::string text;
    try {
        text = read_file_checked(path, uint64_t(64) << 20, "train one first (it is written by the tokenizer stage)");
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(std::string("Tokenizer::load: ") + e.what());
    }
    std::istringstream f(text);
    int line_no = 0;
    std::string line;
    auto fail = [&](const std::string& what) -> std::runtime_error {
        return std::runtime_error("Tokenizer::load: " + path + ":" + std::to_string(line_no) + ": " +
                                  what + ". HINT: the file is corrupt or from another version; "
                                  "retrain the tokenizer to rewrite it.");
    };
    auto next_line = [&](const char* expecting) {
        if (!std::getline(f, line)) {
            ++line_no;
            throw fail(std::string("file ends early, expected ") + expecting);
        }
        ++line_no;
    };
    // "<word> <count>" with a non-negative count and nothing else
    auto read_count = [&](const std::string& word) {
        next_line(("'" + word + " <count>'").c_str());
        const std::string prefix = word + " ";
        long long n = -1;
        size_t used = 0;
        if (line.compare(0, prefix.size(), prefix) == 0) {
            try {
                n = std::stoll(line.substr(prefix.size()), &used);
            } catch (const std::exception&) {
                n = -1;
            }
        }
        if (n < 0 || n > 100000000 || prefix.size() + used != line.size()) {
            throw fail("expected '" + word + " <count>', got " + escape_bytes(line));
        }
        // each entry is a line of at least 2 bytes: a count the rest of the file cannot hold
        // is refused before anything is allocated for it
        const long long left = static_cast<long long>(text.size()) - static_cast<long long>(f.tellg());
        if (n > left / 2) {
            throw fail("'" + word + " " + std::to_string(n) + "' but only " + std::to_string(left) +
                       " bytes follow (the file is truncated or the count corrupt)");
        }
        return (size_t)n;
    };

    next_line("the version line");
    if (line != "sr-bpe v1") {
        throw fail("expected the version line 'sr-bpe v1', got " + escape_bytes(line.substr(0, 40)));
    }
    Tokenizer t;
    t.specials_.resize(read_count("specials"));
    for (std::string& s : t.specials_) {
        next_line("a special token");
        if (line.empty()) throw fail("empty special token");
        s = line;
    }
    const size_t num_merges = read_count("merges");
    t.merges_.reserve(num_merges);
    std::unordered_map<uint64_t, int> seen;
    for (size_t r = 0; r < num_merges; ++r) {
        next_line("a merge '<a> <b>'");
        int a = -1, b = -1;
        char extra = 0;
        if (std::sscanf(line.c_str(), "%d %d %c", &a, &b, &extra) != 2) {
            throw fail("expected a merge '<a> <b>', got " + escape_bytes(line));
        }
        const int limit = 256 + (int)r;  // a merge may only use bytes and earlier merges
        if (a < 0 || b < 0 || a >= limit || b >= limit) {
            throw fail("merge " + std::to_string(r) + " uses an id not yet defined (" +
                       std::to_string(a) + ", " + std::to_string(b) + "; ids must be < " +
                       std::to_string(limit) + ")");
        }
        if (!seen.emplace(pair_key(a, b), (int)r).second) {
            throw fail("merge (" + std::to_string(a) + ", " + std::to_string(b) + ") appears twice");
        }
        t.merges_.push_back({a, b});
    }
    if (std::getline(f, line)) {
        ++line_no;
        throw fail("unexpected extra line after the last merge");
    }
    try {
        t.rebuild_tables("Tokenizer::load: " + path);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(std::string(e.what()) + " (the file is corrupt; retrain the tokenizer)");
    }
    return t;
}

void Tokenizer::dump_vocab(const std::string& path) const {
    std::ostringstream f;
    f << "# sr-bpe vocabulary: " << vocab_.size() << " tokens (256 bytes, " << merges_.size()
      << " merges, " << specials_.size() << " specials)\n";
    f << "# id bytes [= left + right for merged tokens]\n";
    for (int id = 0; id < (int)vocab_.size(); ++id) {
        f << id << " " << escape_bytes(vocab_[id]);
        if (id >= 256 && id < 256 + (int)merges_.size()) {
            int a = merges_[id - 256].first, b = merges_[id - 256].second;
            f << " = " << a << " " << escape_bytes(vocab_[a]) << " + " << b << " "
              << escape_bytes(vocab_[b]);
        } else if (is_special(id)) {
            f << " special";
        }
        f << "\n";
    }
    write_atomically(path, f.str(), "Tokenizer::dump_vocab");
}

}  // namespace sr

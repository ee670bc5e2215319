// Byte-level BPE tokenizer in the style of minbpe (Karpathy): the vocabulary starts as the 256
// byte values, training repeatedly merges the most frequent adjacent pair of tokens into a new
// token, and special tokens (chat format, end of text) come last.
//
// Ids:   0..255                 the single bytes
//        256..256+M-1           the M merges, in the order they were learned (rank = id)
//        256+M..256+M+S-1       the S special strings, in the order the caller gave them
//
// Before BPE the text is pre-split into chunks (GPT-2 style, written by hand, no std::regex),
// and merges never cross a chunk boundary:
//   " ?letters"   an optional single space, then a run of ASCII letters or bytes >= 0x80
//                 (so UTF-8 words, and arbitrary high bytes, stay together)
//   digit         each digit 0-9 is a chunk on its own: numbers are never merged, which keeps
//                 "123" as 1,2,3 and helps a small model with arithmetic
//   " ?punct"     an optional single space, then a run of anything else (punctuation, control
//                 bytes, 0x00)
//   whitespace    a run of spaces/tabs/newlines; if it is followed by a letter or punctuation
//                 its last space is left to that next chunk (GPT-2's \s+(?!\S))
// A run longer than 64 bytes is cut into 64-byte chunks (bounds the work per chunk; natural
// text never has such runs).
// Encode then decode gives back the exact bytes of any input, valid UTF-8 or not.
//
// Model file (text, versioned, like minbpe's "minbpe v1"):
//   sr-bpe v1
//   specials S
//   <one special string per line>
//   merges M
//   <a> <b>          one line per merge, in rank order: ids a and b merge into 256 + line index
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sr {

class Tokenizer {
public:
    Tokenizer();  // an untrained tokenizer: the 256 bytes, no merges, no specials

    // Learns vocab_size - 256 - specials.size() merges from text. vocab_size counts the
    // specials. Occurrences of the special strings in text are cut out before counting, so
    // no merge learns pieces of them. Deterministic: count ties go to the lowest (a, b) pair.
    // If the text runs out of pairs first, fewer merges are learned (vocab_size() says so).
    void train(const std::string& text, int vocab_size, const std::vector<std::string>& specials);

    // allow_special: the special strings found in text become their single ids; otherwise
    // they are encoded as plain bytes like any other text. Thread-safe (the chunk cache is
    // guarded by a mutex).
    std::vector<int> encode(const std::string& text, bool allow_special = true) const;
    // The exact bytes; specials decode to their strings. Throws on an id outside the vocab.
    std::string decode(const std::vector<int>& ids) const;

    int vocab_size() const;        // 256 + merges + specials
    int num_merges() const { return (int)merges_.size(); }
    int special_id(const std::string& s) const;  // throws if s is not a special of this tokenizer
    bool is_special(int id) const;
    const std::vector<std::string>& specials() const { return specials_; }
    const std::vector<std::pair<int, int>>& merges() const { return merges_; }  // [rank] -> (a, b)
    std::string token_bytes(int id) const;  // the bytes token id stands for; throws if out of range

    void save(const std::string& path) const;  // atomic: path + ".tmp", then rename
    static Tokenizer load(const std::string& path);
    // Human-readable listing, one line per id:  300 " the" = 32 " " + 282 "the"
    void dump_vocab(const std::string& path) const;

    // The pre-split step on its own (exposed for tests and the tutorial): the chunks of text,
    // specials not considered. Concatenated they give back text.
    static std::vector<std::string> split_chunks(const std::string& text);

private:
    struct Cache;  // chunk -> ids, shared by copies of the same trained tokenizer

    void rebuild_tables(const std::string& where);  // vocab bytes + merge lookup from merges_
    void encode_ordinary(const std::string& text, std::vector<int>& out) const;  // no specials
    void encode_chunk(const char* data, size_t len, std::vector<int>& out) const;

    std::vector<std::pair<int, int>> merges_;  // (M) merge rank -> the pair it replaces
    std::vector<std::string> specials_;        // (S)
    std::vector<std::string> vocab_;           // (256 + M + S) id -> bytes
    std::unordered_map<uint64_t, int> merge_id_;  // (a << 32 | b) -> the id they merge into
    std::shared_ptr<Cache> cache_;
};

}  // namespace sr

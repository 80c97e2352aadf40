// Small text helpers shared by the stages (messages, suggestions).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace retort {

/// Levenshtein distance between two byte strings, for "did you mean" help.
size_t edit_distance(std::string_view a, std::string_view b);

/// True when every byte is ASCII (below 0x80): each byte is then one code
/// point, so ANTLR's code-point indexes are byte offsets.
bool is_ascii(std::string_view s);

/// ASCII letters lowered; other bytes unchanged (identifiers fold this way).
std::string lower_ascii(std::string_view s);

/// The first eight bytes of `s`, big-endian, zero-padded: when two
/// strings' prefixes differ they are in the strings' own byte order (a
/// shorter string pads with zeros, the least byte, as a prefix sorts
/// first); when they are equal only the whole strings can tell. Sorting or
/// searching by it first compares most keys without reaching their bytes.
constexpr uint64_t order_prefix(std::string_view s) {
  uint64_t p = 0;
  for (size_t i = 0; i < 8; ++i) {
    p <<= 8;
    if (i < s.size()) p |= static_cast<unsigned char>(s[i]);
  }
  return p;
}

/// The longest prefix of `s` at most `bytes` long that does not end inside
/// a UTF-8 sequence (PostgreSQL's pg_mbcliplen, for names cut to a limit).
constexpr std::string_view utf8_prefix(std::string_view s, size_t bytes) {
  if (s.size() <= bytes) return s;
  size_t cut = bytes;
  // A continuation byte (10xxxxxx) at the cut means the cut splits a sequence.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

/// The pieces end to end, in one allocation: for the lines a script writes
/// for every revision, where parsing a format string each time shows up.
inline std::string concat(std::initializer_list<std::string_view> pieces) {
  size_t size = 0;
  for (std::string_view p : pieces) size += p.size();
  std::string out;
  out.reserve(size);
  for (std::string_view p : pieces) out += p;
  return out;
}

/// `items` joined by `sep`.
std::string join(const std::vector<std::string>& items, std::string_view sep);

/// A constant, sorted list of words (a dialect's reserved words), with a
/// filter in front of its binary search: most names asked about (`id`,
/// `t0_id`, `created_at`) are ruled out by their length and first byte at
/// once. The list must outlive it (a constant array does).
class WordList {
 public:
  template <size_t N>
  constexpr explicit WordList(const std::string_view (&words)[N]) : WordList(words, words + N) {}
  template <size_t N>
  constexpr explicit WordList(const std::array<std::string_view, N>& words)
      : WordList(words.data(), words.data() + N) {}
  constexpr WordList(const std::string_view* begin, const std::string_view* end)
      : begin_(begin), end_(end) {
    // A list out of order would make the search miss: refused at compile time.
    if (!std::is_sorted(begin_, end_)) throw "WordList: the words must be sorted";
    for (const std::string_view* w = begin_; w != end_; ++w) {
      if (!w->empty() && w->size() < kLengths) masks_[w->size()] |= bit((*w)[0]);
    }
  }
  constexpr bool contains(std::string_view word) const {
    if (!word.empty() && word.size() < kLengths && !(masks_[word.size()] & bit(word[0])))
      return false;
    return std::binary_search(begin_, end_, word);
  }

 private:
  static constexpr size_t kLengths = 32;
  static constexpr uint64_t bit(char c) {
    return uint64_t{1} << (static_cast<unsigned char>(c) & 63);
  }
  const std::string_view* begin_;
  const std::string_view* end_;
  std::array<uint64_t, kLengths> masks_{};
};

/// The words of `Text` (words each followed by one space), as an array a
/// WordList can search; made at compile time.
template <const std::string_view& Text>
constexpr auto split_words() {
  constexpr size_t n = static_cast<size_t>(std::count(Text.begin(), Text.end(), ' '));
  std::array<std::string_view, n> words{};
  size_t start = 0, k = 0;
  for (size_t i = 0; i < Text.size(); ++i) {
    if (Text[i] != ' ') continue;
    words[k++] = Text.substr(start, i - start);
    start = i + 1;
  }
  return words;
}

/// A hash of strings that also takes string_views, so that an unordered
/// map keyed by std::string is searched without building one.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace retort

// A lexical screen run over retort.toml before toml++ parses it.
//
// toml++ 3.3 (Debian's libtomlplusplus3) has undefined behaviour on some
// malformed input, in every build: its test for Unicode whitespace reaches
// __builtin_unreachable() for most code points in U+00A1-U+0499,
// U+2D8E-U+3187 and U+FB06-U+FEFE, and it asks about any code point where
// a token may start or end. A fuzzer found it (docs/hardening.md). The
// screen turns away, with a diagnostic of its own, every input that could
// reach it, and nothing that toml++ would read but one corner of valid TOML
// (below). It also stops a table header without a name, which breaks an
// assertion of toml++'s parser (made a no-op in config.cpp, with the
// others), so that the message says what is wrong.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace retort {

/// Where the screen stopped an input, and why (a sentence for the user).
struct TomlHazard {
  size_t offset = 0;  ///< byte offset of the offending character
  std::string message;
};

/// The first place in `text` (valid UTF-8) that toml++ must not be given,
/// or nullopt. Stopped:
/// - a character outside ASCII that is not inside a quoted string or a
///   comment (never valid TOML: keys, numbers, booleans and dates are
///   ASCII); a quote opens a string only where a key or a value begins
///   (after the start of a line, `=`, `[`, `{`, `,`, or a key's dot), as in
///   toml++, which reads `1_x"é` as one bare token;
/// - a table header whose `[` or `[[` is not followed by a key, `[` or `]`
///   (never valid TOML either);
/// - inside a multi-line basic string, a character outside ASCII as the
///   first one after a backslash and any spaces, tabs and line breaks: valid
///   TOML after a line-ending backslash ("""a\<newline>é"""), the one valid
///   input turned away (write the character on the backslash's line, or
///   use a literal string).
/// Scanning stops at the first certain syntax error (an unterminated
/// string), where toml++ stops too and reports it.
std::optional<TomlHazard> find_toml_hazard(std::string_view text);

}  // namespace retort

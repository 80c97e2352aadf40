# Makes a generated ANTLR 4.7-4.9 recognizer build its ATN on first use
# instead of at program start. Run after generation:
#   cmake -DHEADER=<Name>.h -DSOURCE=<Name>.cpp -DCLASS=<Name> -P lazy_init.cmake
#
# The tool of this generation defines a static `Initializer _init` in every
# recognizer, whose constructor deserializes the grammar's ATN. With four
# recognizers linked in, that was over half of the instructions of every
# start (14 of 25 million for `retort --version`), paid by runs that parse
# nothing (a warm cache) or never read Python. Here the static object gives
# way to a function-local one, built (thread-safely) by the recognizer's
# constructor, the only way our code reaches the ATN. Each edit must match
# exactly once: a different generator fails the build here rather than
# start up with an empty ATN.

function(replace_once file_var text replacement what)
  string(FIND "${${file_var}}" "${text}" first)
  string(FIND "${${file_var}}" "${text}" last REVERSE)
  if(first EQUAL -1 OR NOT first EQUAL last)
    message(FATAL_ERROR "lazy_init.cmake: ${what} of ${CLASS} not found exactly once")
  endif()
  string(REPLACE "${text}" "${replacement}" result "${${file_var}}")
  set(${file_var} "${result}" PARENT_SCOPE)
endfunction()

file(READ "${HEADER}" header)
replace_once(header "  static Initializer _init;\n"
  "  // Retort (grammar/lazy_init.cmake): built on first construction.\n  static void initialize();\n"
  "the static initializer")
file(WRITE "${HEADER}" "${header}")

file(READ "${SOURCE}" source)
replace_once(source "${CLASS}::Initializer ${CLASS}::_init;"
  "void ${CLASS}::initialize() {\n  static const Initializer once;\n  (void)once;\n}"
  "the static initializer's definition")
replace_once(source "  _interpreter = new atn::"
  "  initialize();\n  _interpreter = new atn::"
  "the constructor")
file(WRITE "${SOURCE}" "${source}")

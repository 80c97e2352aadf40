// Default options of AddressSanitizer and UndefinedBehaviorSanitizer for the
// RETORT_SANITIZE build, and of ThreadSanitizer for RETORT_SANITIZE_THREADS
// (docs/hardening.md), linked into `retort` and every
// test so that the binaries the tests spawn behave the same. A report must
// fail whatever ran it: abort (exit 1 is `retort lint`'s own "gate failed"),
// on the first error, leaks included. ASAN_OPTIONS/UBSAN_OPTIONS in the
// environment still override single options.

extern "C" {

// The sanitizer runtimes look these up by name at start-up.
const char* __asan_default_options() {
  return "halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1:"
         "check_initialization_order=1:strict_init_order=1";
}

const char* __ubsan_default_options() {
  return "halt_on_error=1:abort_on_error=1:print_stacktrace=1";
}

// RETORT_SANITIZE_THREADS: a data race fails the run that met it.
const char* __tsan_default_options() {
  return "halt_on_error=1:abort_on_error=1:second_deadlock_stack=1";
}

}  // extern "C"

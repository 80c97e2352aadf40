// A thin main: everything is in the cli library so that tests can drive it.
#include <unistd.h>

#include <iostream>

#include "cli/app.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  int code = retort::cli::run(argc, argv, std::cout, std::cerr, ::isatty(2) != 0);
  std::cout.flush();
  return code;
}

// The floor of a warm run: list a folder and read every `.rev` file in it
// once, on one thread per core, the way Retort's loader reads them (one
// openat, fstat and read per file, relative to the open folder), and
// nothing else: no hashing, decoding, replay or output. bench/run builds
// and times it beside `cat`, which reads on one thread and writes what it
// reads.
//
//     read_floor FOLDER
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: read_floor FOLDER\n");
    return 2;
  }
  DIR* dir = ::opendir(argv[1]);
  if (dir == nullptr) {
    std::perror(argv[1]);
    return 2;
  }
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name.size() > 4 && name.ends_with(".rev")) names.emplace_back(name);
  }
  const int folder = ::dirfd(dir);
  std::atomic<size_t> next{0};
  std::atomic<size_t> total{0};
  std::atomic<bool> failed{false};
  auto read_some = [&] {
    std::string buffer;
    size_t bytes = 0;
    constexpr size_t kChunk = 16;
    for (size_t begin = next.fetch_add(kChunk); begin < names.size();
         begin = next.fetch_add(kChunk)) {
      for (size_t i = begin; i < names.size() && i < begin + kChunk; ++i) {
        int fd = ::openat(folder, names[i].c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st {};
        if (fd < 0 || ::fstat(fd, &st) != 0) {
          failed = true;
          if (fd >= 0) ::close(fd);
          continue;
        }
        buffer.resize(static_cast<size_t>(st.st_size));
        ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0) failed = true;
        bytes += got > 0 ? static_cast<size_t>(got) : 0;
        ::close(fd);
      }
    }
    total += bytes;
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < std::thread::hardware_concurrency(); ++t)
    helpers.emplace_back(read_some);
  read_some();
  for (auto& h : helpers) h.join();
  ::closedir(dir);
  if (failed) {
    std::fprintf(stderr, "read_floor: a file could not be read\n");
    return 1;
  }
  std::printf("%zu files, %zu bytes\n", names.size(), total.load());
  return 0;
}

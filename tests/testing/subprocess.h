#pragma once

// Runs the project's real binaries from end-to-end tests.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace passerelle::testing {

class Subprocess {
 public:
  // Starts argv[0] with its arguments; stdout and stderr go to the files
  // (empty: inherited). Dies if the program cannot be started.
  Subprocess(std::vector<std::string> argv, const std::string& stdout_path = "",
             const std::string& stderr_path = "");
  ~Subprocess();  // SIGKILLs and reaps a process still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int signal);
  // Waits for the exit; returns the exit code, or 128 + signal number.
  int Wait();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// Runs to completion; returns the exit code and fills `out` with stdout.
int Run(const std::vector<std::string>& argv, std::string* out = nullptr,
        std::string* err = nullptr);

// Polls until `path` exists and is non-empty; false after `timeout`.
bool WaitForFile(const std::string& path, absl::Duration timeout);

// Counts the lines of a file (0 if absent).
int CountLines(const std::string& path);

}  // namespace passerelle::testing

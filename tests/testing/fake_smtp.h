#pragma once

// A small SMTP server on 127.0.0.1 for tests: it takes messages the way a
// relay does (EHLO, optional AUTH PLAIN, MAIL, RCPT, DATA with its dot
// transparency, QUIT), keeps them, and can refuse recipients.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace passerelle::testing {

class FakeSmtpServer {
 public:
  struct Message {
    std::string mail_from;             // the envelope sender, without <>
    std::vector<std::string> rcpt_to;  // the envelope recipients
    std::string data;                  // as received, dot-stuffing undone
    std::string auth;                  // "user\0password" when AUTH PLAIN
  };

  FakeSmtpServer();  // listens on 127.0.0.1, any free port
  ~FakeSmtpServer();

  int port() const { return port_; }
  std::string url() const;  // smtp://127.0.0.1:<port>

  // Answer RCPT TO with 550 (a relay refusing the address).
  void set_refuse_recipients(bool refuse) { refuse_ = refuse; }

  // Waits up to `timeout` for `n` messages; the messages received so far.
  std::vector<Message> WaitFor(size_t n, absl::Duration timeout);

 private:
  void Serve();
  void Session(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> refuse_{false};
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<Message> messages_ ABSL_GUARDED_BY(mu_);
};

}  // namespace passerelle::testing

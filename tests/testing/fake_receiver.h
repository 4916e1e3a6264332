#pragma once

// An HTTP server on 127.0.0.1 that receives webhooks for tests: it records
// every request (headers, body) and answers as the test decides (a status,
// after a delay, or not at all).

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace passerelle::testing {

class FakeReceiver {
 public:
  struct Request {
    std::string method, path;
    std::map<std::string, std::string> headers;  // names lowercased
    std::string body;
    int status = 0;  // what was answered (0: nothing)
  };
  struct Reply {
    int status = 200;
    absl::Duration delay;   // before answering
    bool hang = false;      // never answer (the client times out)
    size_t body_bytes = 2;  // the answer's body ("ok", or that many 'x')
    std::string body;       // set: the answer's body instead
    std::vector<std::string> headers;  // extra "Name: value" lines
  };
  using Policy = std::function<Reply(const Request&)>;

  explicit FakeReceiver(Policy policy = nullptr);  // default: 200 at once
  ~FakeReceiver();

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const;
  // The path of a request without its query, and one query parameter.
  static std::string PathOf(const Request& r);
  static std::string QueryParam(const Request& r, const std::string& name);
  void set_policy(Policy policy);

  // Every request received so far (answered or not), in arrival order.
  std::vector<Request> requests();
  // Waits until `done(requests())` holds or `timeout` passes.
  bool WaitUntil(const std::function<bool(const std::vector<Request>&)>& done,
                 absl::Duration timeout);

 private:
  void Serve();
  void Handle(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  absl::Mutex mu_;
  Policy policy_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> handlers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace passerelle::testing

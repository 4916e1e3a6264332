#include "tests/testing/fake_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "glog/logging.h"

namespace passerelle::testing {

FakeReceiver::FakeReceiver(Policy policy) {
  policy_ = policy ? std::move(policy) : [](const Request&) { return Reply(); };
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  CHECK_GE(listen_fd_, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
           0);
  CHECK_EQ(listen(listen_fd_, 64), 0);
  socklen_t len = sizeof addr;
  CHECK_EQ(getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len),
           0);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FakeReceiver::~FakeReceiver() {
  stop_ = true;
  thread_.join();
  std::vector<std::thread> handlers;
  {
    absl::MutexLock lock(&mu_);
    handlers.swap(handlers_);
  }
  for (std::thread& t : handlers) t.join();
  close(listen_fd_);
}

std::string FakeReceiver::url(const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", port_, path);
}

void FakeReceiver::set_policy(Policy policy) {
  absl::MutexLock lock(&mu_);
  policy_ = std::move(policy);
}

std::string FakeReceiver::PathOf(const Request& r) {
  return r.path.substr(0, r.path.find('?'));
}

std::string FakeReceiver::QueryParam(const Request& r,
                                     const std::string& name) {
  const size_t q = r.path.find('?');
  if (q == std::string::npos) return "";
  for (absl::string_view pair :
       absl::StrSplit(absl::string_view(r.path).substr(q + 1), '&')) {
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == absl::string_view::npos ? ""
                                           : std::string(pair.substr(eq + 1));
    }
  }
  return "";
}

std::vector<FakeReceiver::Request> FakeReceiver::requests() {
  absl::MutexLock lock(&mu_);
  return requests_;
}

bool FakeReceiver::WaitUntil(
    const std::function<bool(const std::vector<Request>&)>& done,
    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done(requests())) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done(requests());
}

void FakeReceiver::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    absl::MutexLock lock(&mu_);
    handlers_.emplace_back([this, fd] {
      Handle(fd);
      close(fd);
    });
  }
}

void FakeReceiver::Handle(int fd) {
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string data;
  size_t header_end = std::string::npos;
  char chunk[8192];
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return;
    data.append(chunk, static_cast<size_t>(n));
  }
  Request request;
  std::vector<std::string> lines =
      absl::StrSplit(data.substr(0, header_end), "\r\n");
  std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
  if (first.size() >= 2) {
    request.method = first[0];
    request.path = first[1];
  }
  size_t length = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    const std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
    const std::string value(
        absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    request.headers[name] = value;
    if (name == "content-length") absl::SimpleAtoi(value, &length);
  }
  request.body = data.substr(header_end + 4);
  while (request.body.size() < length) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    request.body.append(chunk, static_cast<size_t>(n));
  }
  Reply reply;
  size_t index;
  {
    absl::MutexLock lock(&mu_);
    reply = policy_(request);
    index = requests_.size();
    requests_.push_back(request);
  }
  if (reply.hang) {
    // Hold the connection until the client gives up (or the test ends).
    const absl::Time until = absl::Now() + absl::Seconds(30);
    while (!stop_ && absl::Now() < until) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) > 0) {
        if (read(fd, chunk, sizeof chunk) <= 0) return;
      }
    }
    return;
  }
  if (reply.delay > absl::ZeroDuration()) absl::SleepFor(reply.delay);
  const std::string body = !reply.body.empty() ? reply.body
                           : reply.body_bytes == 2
                               ? std::string("ok")
                               : std::string(reply.body_bytes, 'x');
  std::string extra;
  for (const std::string& h : reply.headers) absl::StrAppend(&extra, h, "\r\n");
  const std::string answer = absl::StrCat(
      "HTTP/1.1 ", reply.status, " X\r\nContent-Length: ", body.size(), "\r\n",
      extra, "Connection: close\r\n\r\n", body);
  if (write(fd, answer.data(), answer.size()) ==
      static_cast<ssize_t>(answer.size())) {
    absl::MutexLock lock(&mu_);
    requests_[index].status = reply.status;
  }
}

}  // namespace passerelle::testing

#include "tests/testing/fake_smtp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace passerelle::testing {
namespace {

// One line without its CRLF from `fd`, buffered in `buffer`; false at the
// end of the connection.
bool ReadLine(int fd, std::string* buffer, std::string* line) {
  for (;;) {
    const size_t end = buffer->find("\r\n");
    if (end != std::string::npos) {
      *line = buffer->substr(0, end);
      buffer->erase(0, end + 2);
      return true;
    }
    char chunk[4096];
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<size_t>(n));
  }
}

void Write(int fd, absl::string_view reply) {
  const std::string line = absl::StrCat(reply, "\r\n");
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = write(fd, line.data() + done, line.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::string Address(absl::string_view arg) {
  const size_t open = arg.find('<');
  const size_t close = arg.find('>');
  if (open == absl::string_view::npos || close == absl::string_view::npos) {
    return std::string(arg);
  }
  return std::string(arg.substr(open + 1, close - open - 1));
}

}  // namespace

FakeSmtpServer::FakeSmtpServer() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  CHECK_GE(listen_fd_, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  CHECK_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
           0);
  CHECK_EQ(listen(listen_fd_, 8), 0);
  socklen_t len = sizeof addr;
  CHECK_EQ(getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len),
           0);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FakeSmtpServer::~FakeSmtpServer() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

std::string FakeSmtpServer::url() const {
  return absl::StrCat("smtp://127.0.0.1:", port_);
}

std::vector<FakeSmtpServer::Message> FakeSmtpServer::WaitFor(
    size_t n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto enough = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return messages_.size() >= n;
  };
  mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  return messages_;
}

void FakeSmtpServer::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    Session(fd);  // one client at a time, as the tests need
    close(fd);
  }
}

void FakeSmtpServer::Session(int fd) {
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string buffer, line;
  Message message;
  Write(fd, "220 fake-smtp.test ESMTP");
  while (ReadLine(fd, &buffer, &line)) {
    const std::string verb = absl::AsciiStrToUpper(line.substr(0, 4));
    const absl::string_view arg = absl::string_view(line).substr(
        std::min<size_t>(line.size(), line.find_first_of(" :") + 1));
    if (verb == "EHLO") {
      Write(fd, "250-fake-smtp.test");
      Write(fd, "250-AUTH PLAIN");
      Write(fd, "250 SIZE 1000000");
    } else if (verb == "HELO") {
      Write(fd, "250 fake-smtp.test");
    } else if (verb == "AUTH") {
      std::string b64(absl::StripAsciiWhitespace(
          absl::string_view(line).substr(std::min<size_t>(line.size(), 10))));
      if (b64.empty()) {
        Write(fd, "334 ");
        if (!ReadLine(fd, &buffer, &b64)) return;
      }
      std::string plain;
      absl::Base64Unescape(b64, &plain);
      // authzid \0 authcid \0 password
      message.auth = plain.substr(std::min(plain.size(), plain.find('\0') + 1));
      Write(fd, "235 2.7.0 Authentication successful");
    } else if (verb == "MAIL") {
      message.mail_from = Address(arg);
      Write(fd, "250 2.1.0 Ok");
    } else if (verb == "RCPT") {
      if (refuse_) {
        Write(fd, "550 5.1.1 Recipient address rejected");
      } else {
        message.rcpt_to.push_back(Address(arg));
        Write(fd, "250 2.1.5 Ok");
      }
    } else if (verb == "DATA") {
      Write(fd, "354 End data with <CR><LF>.<CR><LF>");
      std::string data;
      while (ReadLine(fd, &buffer, &line) && line != ".") {
        if (absl::StartsWith(line, ".")) line.erase(0, 1);
        absl::StrAppend(&data, line, "\r\n");
      }
      message.data = std::move(data);
      {
        absl::MutexLock lock(&mu_);
        messages_.push_back(message);
      }
      message = Message();
      Write(fd, "250 2.0.0 Ok: queued");
    } else if (verb == "RSET") {
      message = Message();
      Write(fd, "250 2.0.0 Ok");
    } else if (verb == "QUIT") {
      Write(fd, "221 2.0.0 Bye");
      return;
    } else if (verb == "NOOP") {
      Write(fd, "250 2.0.0 Ok");
    } else {
      Write(fd, "502 5.5.2 Command not recognized");
    }
  }
}

}  // namespace passerelle::testing

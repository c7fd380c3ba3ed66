#include "tests/support/fake_apiserver/https_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace bulwark::fakeapi {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

struct HttpsServer::Impl {
  net::io_context io;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{io};
};

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view s, bool plusIsSpace) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2])));
      i += 2;
    } else if (plusIsSpace && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void parseTarget(std::string_view target, HttpRequest& req) {
  auto q = target.find('?');
  req.path = percentDecode(target.substr(0, q), false);
  if (q == std::string_view::npos) return;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    std::string key = percentDecode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1), true);
    if (!key.empty()) req.query[key] = value;
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
}

std::string peerSubject(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return {};
  std::string cn;
  if (SSL_get_verify_result(ssl) == X509_V_OK) {
    char buf[256] = {};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf) > 0) cn = buf;
  }
  X509_free(cert);
  return cn;
}

class ChunkedStream final : public ResponseStream {
 public:
  explicit ChunkedStream(ssl::stream<tcp::socket>& s) : stream_(s) {}
  bool send(std::string_view bytes) override {
    if (broken_) return false;
    boost::system::error_code ec;
    net::write(stream_, http::make_chunk(net::buffer(bytes.data(), bytes.size())), ec);
    if (ec) broken_ = true;
    return !broken_;
  }
  bool clientGone() override {
    if (broken_) return true;
    pollfd p{stream_.next_layer().native_handle(), POLLIN | POLLRDHUP, 0};
    // Nothing else arrives from an HTTP/1.1 client while its streaming response is open: readable
    // means it closed (TLS close_notify or FIN).
    if (poll(&p, 1, 0) > 0 && p.revents != 0) broken_ = true;
    return broken_;
  }
  void cut() override {
    boost::system::error_code ec;
    stream_.next_layer().shutdown(tcp::socket::shutdown_both, ec);
    broken_ = true;
    cut_ = true;
  }
  bool wasCut() const { return cut_; }
  bool broken() const { return broken_; }

 private:
  ssl::stream<tcp::socket>& stream_;
  bool broken_ = false;
  bool cut_ = false;
};

}  // namespace

HttpsServer::HttpsServer(const TlsMaterial& tls, const std::string& host, int port, HttpHandler handler)
    : impl_(std::make_unique<Impl>()), handler_(std::move(handler)) {
  impl_->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  impl_->tls.use_certificate_chain(net::buffer(tls.serverCert));
  impl_->tls.use_private_key(net::buffer(tls.serverKey), ssl::context::pem);
  impl_->tls.add_certificate_authority(net::buffer(tls.caCert));
  // Ask for a client certificate and verify one if sent, but accept connections without (bearer tokens).
  impl_->tls.set_verify_mode(ssl::verify_peer);
  impl_->tls.set_verify_callback([](bool, ssl::verify_context&) { return true; });
  tcp::endpoint endpoint(net::ip::make_address(host), static_cast<unsigned short>(port));
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(128);
  port_ = impl_->acceptor.local_endpoint().port();
}

HttpsServer::~HttpsServer() = default;

void HttpsServer::run() {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket socket(impl_->io);
    impl_->acceptor.accept(socket, ec);
    if (ec) {
      if (stopping_) break;
      continue;
    }
    int fd = socket.release();
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(fd);
      break;
    }
    openFds_.insert(fd);
    ++activeConnections_;
    std::thread([this, fd] { serveConnection(fd); }).detach();
  }
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return activeConnections_ == 0; });
}

void HttpsServer::stop() {
  std::lock_guard lock(mutex_);
  if (stopping_.exchange(true)) return;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  for (int fd : openFds_)
    ::shutdown(fd, SHUT_RDWR);
}

void HttpsServer::serveConnection(int fd) {
  {
    ssl::stream<tcp::socket> stream(tcp::socket(impl_->io, tcp::v4(), fd), impl_->tls);
    boost::system::error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
    std::string subject = ec ? std::string() : peerSubject(stream.native_handle());
    boost::beast::flat_buffer buffer;
    while (!ec && !stopping_) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64u << 20);
      http::read(stream, buffer, parser, ec);
      if (ec) break;
      auto& raw = parser.get();
      HttpRequest req;
      req.method = std::string(raw.method_string());
      parseTarget(std::string_view(raw.target().data(), raw.target().size()), req);
      for (const auto& field : raw) {
        std::string name(field.name_string());
        for (auto& c : name)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        req.headers[name] = std::string(field.value());
      }
      req.body = std::move(raw.body());
      req.clientCertSubject = subject;
      bool keepAlive = raw.keep_alive();
      HttpResponse res = handler_(req);
      if (!res.stream) {
        http::response<http::string_body> out{static_cast<http::status>(res.status), 11};
        out.set(http::field::content_type, res.contentType);
        out.set(http::field::cache_control, "no-cache, private");
        for (const auto& [k, v] : res.headers)
          out.insert(k, v);
        out.body() = std::move(res.body);
        out.keep_alive(keepAlive);
        out.prepare_payload();
        http::write(stream, out, ec);
        if (!keepAlive) break;
        continue;
      }
      http::response<http::empty_body> head{static_cast<http::status>(res.status), 11};
      head.set(http::field::content_type, res.contentType);
      head.set(http::field::cache_control, "no-cache, private");
      for (const auto& [k, v] : res.headers)
        head.insert(k, v);
      head.chunked(true);
      head.keep_alive(keepAlive);
      http::response_serializer<http::empty_body> serializer{head};
      http::write_header(stream, serializer, ec);
      if (ec) break;
      ChunkedStream body(stream);
      res.stream(body);
      if (body.broken()) break;
      net::write(stream, http::make_chunk_last(), ec);
      if (!keepAlive) break;
    }
    boost::system::error_code ignored;
    stream.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    std::lock_guard lock(mutex_);
    openFds_.erase(fd);
  }  // the socket closes here, after its fd left openFds_
  std::lock_guard lock(mutex_);
  if (--activeConnections_ == 0) idle_.notify_all();
}

}  // namespace bulwark::fakeapi

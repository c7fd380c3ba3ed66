#include "operator/kube/kube_client.h"

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio/ssl.hpp>
#include <thread>

#include "operator/kube/backoff.h"

namespace bulwark::kube {

using nlohmann::json;
namespace http = web::http;
namespace client = web::http::client;

struct WatchCanceller::Impl {
  std::mutex mutex;
  pplx::cancellation_token_source source;
  std::atomic<bool> cancelled{false};
};

WatchCanceller::WatchCanceller() : impl_(std::make_unique<Impl>()) {}
WatchCanceller::~WatchCanceller() = default;
void WatchCanceller::cancel() {
  std::lock_guard lock(impl_->mutex);
  impl_->cancelled = true;
  impl_->source.cancel();
}
bool WatchCanceller::cancelled() const {
  return impl_->cancelled;
}
void WatchCanceller::reset() {
  std::lock_guard lock(impl_->mutex);
  impl_->cancelled = false;
  impl_->source = pplx::cancellation_token_source();
}

struct KubeClient::Impl {
  std::unique_ptr<client::http_client> http;
};

struct KubeClient::Raw {
  int status = 0;
  std::string body;
  std::optional<std::chrono::seconds> retryAfter;
};

namespace {

bool pemLoads(const std::string& pem, bool privateKey) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return false;
  bool ok = false;
  if (privateKey) {
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    ok = key != nullptr;
    EVP_PKEY_free(key);
  } else {
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    ok = cert != nullptr;
    X509_free(cert);
  }
  BIO_free(bio);
  return ok;
}

client::http_client_config httpConfig(const KubeConfig& config, std::chrono::milliseconds timeout) {
  client::http_client_config c;
  c.set_timeout(timeout);
  c.set_validate_certificates(!config.insecureSkipTlsVerify);
  std::string ca = config.caPem, cert = config.clientCertPem, key = config.clientKeyPem;
  c.set_ssl_context_callback([ca, cert, key](boost::asio::ssl::context& ctx) {
    boost::system::error_code ec;  // PEM was checked in create(); errors here leave TLS to fail loudly
    if (!ca.empty()) ctx.add_certificate_authority(boost::asio::buffer(ca), ec);
    if (!cert.empty()) {
      ctx.use_certificate_chain(boost::asio::buffer(cert), ec);
      ctx.use_private_key(boost::asio::buffer(key), boost::asio::ssl::context::pem, ec);
    }
  });
  return c;
}

std::string encodeQuery(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    out += (out.empty() ? "?" : "&") + k + "=" + web::uri::encode_data_string(v);
  }
  return out;
}

std::optional<std::chrono::seconds> retryAfterOf(const http::http_response& response) {
  auto it = response.headers().find("Retry-After");
  if (it == response.headers().end()) return std::nullopt;
  try {
    return std::chrono::seconds(std::stol(it->second));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

ApiError transportError(const std::string& what) {
  ApiError e;
  e.kind = ApiErrorKind::Transport;
  e.message = what;
  return e;
}

ApiError decodeError(const std::string& what) {
  ApiError e;
  e.kind = ApiErrorKind::Decode;
  e.message = what;
  return e;
}

}  // namespace

Expected<std::shared_ptr<KubeClient>, ConfigError> KubeClient::create(const KubeConfig& config) {
  return create(config, Options{});
}

Expected<std::shared_ptr<KubeClient>, ConfigError> KubeClient::create(const KubeConfig& config,
                                                                      Options options) {
  std::string origin = config.source.empty() ? "configuration" : config.source;
  if (!config.caPem.empty() && !pemLoads(config.caPem, false)) {
    return ConfigError{origin, "certificate-authority", "is not a PEM certificate OpenSSL can load"};
  }
  if (!config.clientCertPem.empty() && !pemLoads(config.clientCertPem, false)) {
    return ConfigError{origin, "client-certificate", "is not a PEM certificate OpenSSL can load"};
  }
  if (!config.clientKeyPem.empty() && !pemLoads(config.clientKeyPem, true)) {
    return ConfigError{origin, "client-key", "is not a PEM private key OpenSSL can load"};
  }
  try {
    return std::shared_ptr<KubeClient>(new KubeClient(config, std::move(options)));
  } catch (const std::exception& e) {
    return ConfigError{origin, "server", std::string("cannot be used: ") + e.what()};
  }
}

KubeClient::KubeClient(KubeConfig config, Options options)
    : config_(std::move(config)),
      options_(std::move(options)),
      impl_(std::make_unique<Impl>()),
      token_(config_.token, config_.tokenFile) {
  if (!options_.sleep) options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (!options_.random) options_.random = Backoff::defaultRandom();
  impl_->http =
      std::make_unique<client::http_client>(config_.server, httpConfig(config_, options_.requestTimeout));
}

KubeClient::~KubeClient() = default;

std::shared_ptr<KubeClient> KubeClient::withOptions(Options options) const {
  return std::shared_ptr<KubeClient>(new KubeClient(config_, std::move(options)));
}

Result<json> KubeClient::call(const std::string& method, const std::string& pathAndQuery, const json* body,
                              const std::string& contentType, bool idempotent) {
  Backoff backoff(options_.initialBackoff, options_.maxBackoff, 0.5, options_.random);
  bool tokenReread = false;
  for (int attempt = 1;; ++attempt) {
    std::optional<Raw> raw;
    std::optional<ApiError> failure;
    try {
      http::http_request request(method);
      request.set_request_uri(pathAndQuery);
      request.headers().add("Accept", "application/json");
      request.headers().add("User-Agent", "bulwark-operator");
      std::string token = token_.current();
      if (!token.empty()) request.headers().add("Authorization", "Bearer " + token);
      if (body != nullptr) request.set_body(body->dump(), contentType);
      http::http_response response = impl_->http->request(request).get();
      raw = Raw{response.status_code(), response.extract_utf8string(true).get(), retryAfterOf(response)};
    } catch (const std::exception& e) {
      failure = transportError(method + " " + pathAndQuery + ": " + e.what());
    }
    if (raw && raw->status < 400) {
      if (raw->body.empty()) return json::object();
      json parsed = json::parse(raw->body, nullptr, false);
      if (parsed.is_discarded()) return decodeError(method + " " + pathAndQuery + ": the answer is not JSON");
      return parsed;
    }
    if (raw) failure = decodeApiError(raw->status, raw->body, raw->retryAfter);
    if (failure->kind == ApiErrorKind::Unauthorized && !tokenReread && token_.invalidate()) {
      tokenReread = true;  // the token file may have rotated since we last read it
      --attempt;
      continue;
    }
    bool retry = failure->kind == ApiErrorKind::TooManyRequests || (idempotent && failure->transient());
    if (!retry || attempt >= options_.maxAttempts) return *failure;
    auto delay = backoff.next();
    if (failure->retryAfter) {
      auto wanted = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::min(*failure->retryAfter, options_.maxRetryAfter));
      delay = std::max(delay, wanted);
    }
    options_.sleep(delay);
  }
}

Result<json> KubeClient::write(const std::string& method, const std::string& path, const json& body,
                               const std::string& contentType) {
  return call(method, path, &body, contentType, false);
}

Result<json> KubeClient::get(const ResourceRef& r, const std::string& ns, const std::string& name) {
  return call("GET", r.objectPath(ns, name), nullptr, "", true);
}

Result<ObjectList> KubeClient::list(const ResourceRef& r, const std::string& ns, const ListOptions& options) {
  std::string query = encodeQuery({{"labelSelector", options.labelSelector},
                                   {"fieldSelector", options.fieldSelector},
                                   {"limit", options.limit > 0 ? std::to_string(options.limit) : ""},
                                   {"continue", options.continueToken}});
  auto answer = call("GET", r.collectionPath(ns) + query, nullptr, "", true);
  if (!answer) return answer.error();
  const json& doc = *answer;
  if (!doc.is_object() || !doc.contains("items")) return decodeError("a list answer without items");
  ObjectList out;
  out.items = doc["items"].is_array() ? doc["items"] : json::array();
  if (doc.contains("metadata") && doc["metadata"].is_object()) {
    out.resourceVersion = doc["metadata"].value("resourceVersion", "");
    out.continueToken = doc["metadata"].value("continue", "");
  }
  // Items of a typed list may lack apiVersion and kind; handlers expect whole objects.
  std::string kind = doc.value("kind", "");
  if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) kind.resize(kind.size() - 4);
  for (auto& item : out.items) {
    if (!item.contains("apiVersion")) item["apiVersion"] = r.apiVersion();
    if (!item.contains("kind") && !kind.empty()) item["kind"] = kind;
  }
  return out;
}

Result<ObjectList> KubeClient::listAll(const ResourceRef& r, const std::string& ns, ListOptions options) {
  ObjectList all;
  bool restarted = false;
  options.continueToken.clear();
  while (true) {
    auto page = list(r, ns, options);
    if (!page) {
      if (page.error().kind == ApiErrorKind::Gone && !options.continueToken.empty() && !restarted) {
        restarted = true;  // the snapshot behind the token expired: start over for a consistent list
        all = ObjectList{};
        options.continueToken.clear();
        continue;
      }
      return page.error();
    }
    if (all.resourceVersion.empty()) all.resourceVersion = page->resourceVersion;
    for (auto& item : page->items)
      all.items.push_back(std::move(item));
    if (page->continueToken.empty()) return all;
    options.continueToken = page->continueToken;
  }
}

Result<json> KubeClient::create(const ResourceRef& r, const std::string& ns, const json& object) {
  return write("POST", r.collectionPath(ns), object, "application/json");
}

Result<json> KubeClient::update(const ResourceRef& r, const std::string& ns, const json& object) {
  std::string name = object.contains("metadata") ? object["metadata"].value("name", "") : "";
  return write("PUT", r.objectPath(ns, name), object, "application/json");
}

Result<json> KubeClient::updateStatus(const ResourceRef& r, const std::string& ns, const json& object) {
  std::string name = object.contains("metadata") ? object["metadata"].value("name", "") : "";
  return write("PUT", r.objectPath(ns, name) + "/status", object, "application/json");
}

Result<json> KubeClient::mergePatch(const ResourceRef& r, const std::string& ns, const std::string& name,
                                    const json& patch) {
  return write("PATCH", r.objectPath(ns, name), patch, "application/merge-patch+json");
}

Result<json> KubeClient::mergePatchStatus(const ResourceRef& r, const std::string& ns,
                                          const std::string& name, const json& patch) {
  return write("PATCH", r.objectPath(ns, name) + "/status", patch, "application/merge-patch+json");
}

Result<json> KubeClient::remove(const ResourceRef& r, const std::string& ns, const std::string& name,
                                const std::string& resourceVersion) {
  json options = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
  if (!resourceVersion.empty()) options["preconditions"] = {{"resourceVersion", resourceVersion}};
  return write("DELETE", r.objectPath(ns, name), options, "application/json");
}

Result<WatchEnd> KubeClient::watch(const ResourceRef& r, const std::string& ns, const WatchOptions& options,
                                   const std::function<bool(const WatchEvent&)>& onEvent,
                                   WatchCanceller* canceller) {
  std::string path =
      r.collectionPath(ns) + encodeQuery({{"watch", "true"},
                                          {"resourceVersion", options.resourceVersion},
                                          {"labelSelector", options.labelSelector},
                                          {"fieldSelector", options.fieldSelector},
                                          {"allowWatchBookmarks", options.allowBookmarks ? "true" : ""},
                                          {"timeoutSeconds", std::to_string(options.timeout.count())}});
  // cpprest's timeout is an inactivity timeout: the longest quiet gap of a watch is its whole length.
  client::http_client http(config_.server,
                           httpConfig(config_, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   options.timeout + std::chrono::seconds(30))));
  pplx::cancellation_token token = pplx::cancellation_token::none();
  if (canceller != nullptr) {
    std::lock_guard lock(canceller->impl_->mutex);
    if (canceller->cancelled()) return WatchEnd::Cancelled;
    token = canceller->impl_->source.get_token();
  }
  Backoff backoff(options_.initialBackoff, options_.maxBackoff, 0.5, options_.random);
  bool tokenReread = false;
  std::optional<http::http_response> response;
  for (int attempt = 1; !response; ++attempt) {
    ApiError failure;
    try {
      http::http_request request(http::methods::GET);
      request.set_request_uri(path);
      request.headers().add("Accept", "application/json");
      request.headers().add("User-Agent", "bulwark-operator");
      std::string bearer = token_.current();
      if (!bearer.empty()) request.headers().add("Authorization", "Bearer " + bearer);
      http::http_response answer = http.request(request, token).get();
      if (answer.status_code() == http::status_codes::OK) {
        response = std::move(answer);
        break;
      }
      failure =
          decodeApiError(answer.status_code(), answer.extract_utf8string(true).get(), retryAfterOf(answer));
    } catch (const std::exception& e) {
      if (canceller != nullptr && canceller->cancelled()) return WatchEnd::Cancelled;
      failure = transportError("watch " + path + ": " + e.what());
    }
    if (failure.kind == ApiErrorKind::Unauthorized && !tokenReread && token_.invalidate()) {
      tokenReread = true;
      --attempt;
      continue;
    }
    if (!failure.transient() || attempt >= options_.maxAttempts) return failure;
    auto delay = backoff.next();
    if (failure.retryAfter) {
      delay = std::max(delay, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::min(*failure.retryAfter, options_.maxRetryAfter)));
    }
    options_.sleep(delay);
  }

  auto body = response->body();
  try {
    while (true) {
      concurrency::streams::container_buffer<std::vector<uint8_t>> line;
      size_t n = body.read_line(line).get();
      const std::string text(line.collection().begin(), line.collection().end());
      bool eof = body.is_eof();
      if (n == 0 && text.empty()) {
        if (canceller != nullptr && canceller->cancelled()) return WatchEnd::Cancelled;
        if (eof) return WatchEnd::ServerClosed;
        continue;  // an empty line between events
      }
      json event = json::parse(text, nullptr, false);
      if (event.is_discarded() || !event.is_object() || !event.contains("type") ||
          !event["type"].is_string() || !event.contains("object") || !event["object"].is_object()) {
        if (canceller != nullptr && canceller->cancelled()) return WatchEnd::Cancelled;
        return decodeError(std::string(eof ? "watch stream cut off mid-event"
                                           : "watch stream carried a line that "
                                             "is not an event") +
                           ": " + text.substr(0, 120));
      }
      std::string type = event["type"].get<std::string>();
      if (type == "ERROR") {
        const json& status = event["object"];
        return decodeApiError(status.value("code", 500), status.dump(), std::nullopt);
      }
      if (!onEvent(WatchEvent{type, std::move(event["object"])})) return WatchEnd::StoppedByHandler;
      if (eof) return WatchEnd::ServerClosed;
    }
  } catch (const std::exception& e) {
    if (canceller != nullptr && canceller->cancelled()) return WatchEnd::Cancelled;
    return transportError("watch " + path + " broke: " + e.what());
  }
}

}  // namespace bulwark::kube

#include "tests/support/fake_apiserver/api_server.h"

#include <algorithm>
#include <regex>
#include <thread>

#include "core/policy/timestamp.h"
#include "tests/support/fake_apiserver/crd_schema.h"
#include "tests/support/fake_apiserver/kube_status.h"
#include "tests/support/fake_apiserver/openapi_v3.h"
#include "tests/support/fake_apiserver/table_printer.h"

namespace bulwark::fakeapi {

using nlohmann::json;

namespace {

constexpr size_t kMaxListSnapshots = 256;

HttpResponse jsonResponse(int code, const json& body) {
  HttpResponse r;
  r.status = code;
  r.body = body.dump();
  return r;
}

HttpResponse failure(int code, const std::string& reason, const std::string& message,
                     json details = nullptr) {
  return jsonResponse(code, failureStatus(code, reason, message, std::move(details)));
}

HttpResponse notFound(const ResourceType& t, const std::string& name) {
  return failure(404, "NotFound", t.groupResource() + " \"" + name + "\" not found",
                 statusDetails(name, t.group, t.resource));
}

HttpResponse conflict(const ResourceType& t, const std::string& name, const std::string& why) {
  return failure(409, "Conflict",
                 "Operation cannot be fulfilled on " + t.groupResource() + " \"" + name + "\": " + why,
                 statusDetails(name, t.group, t.resource));
}

HttpResponse invalid(const ResourceType& t, const std::string& name, const std::vector<FieldCause>& causes) {
  std::string joined;
  json list = json::array();
  for (const auto& c : causes) {
    joined += (joined.empty() ? "" : ", ") + c.field + ": " + c.message;
    list.push_back(c.toJson());
  }
  if (causes.size() > 1) joined = "[" + joined + "]";
  json details = statusDetails(name, t.group, t.kind);
  details["causes"] = list;
  return failure(422, "Invalid", t.groupKind() + " \"" + name + "\" is invalid: " + joined, details);
}

std::string nowTimestamp() {
  return policy::formatTimestamp(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

bool wantsTable(const HttpRequest& request) {
  return request.header("accept").find("as=Table") != std::string::npos;
}

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

bool parseUnsigned(const std::string& text, uint64_t& out) {
  if (text.empty() || text.size() > 19 || !std::all_of(text.begin(), text.end(), ::isdigit)) return false;
  out = std::stoull(text);
  return true;
}

json metadataOf(const json& object) {
  return object.is_object() && object.contains("metadata") && object["metadata"].is_object()
             ? object["metadata"]
             : json::object();
}

std::string resourceVersionOf(const json& object) {
  return metadataOf(object).value("resourceVersion", "");
}

// Everything but metadata and status: a change here is a change of the desired state.
json desiredState(json object) {
  object.erase("metadata");
  object.erase("status");
  return object;
}

json withoutResourceVersion(json object) {
  if (object.contains("metadata")) object["metadata"].erase("resourceVersion");
  return object;
}

std::vector<FieldCause> validateName(const ResourceType& t, const json& object) {
  static const std::regex subdomain(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
  static const std::regex label(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?$)");
  std::string name = metadataOf(object).value("name", "");
  bool isLabel = t.kind == "Namespace";
  if (isLabel ? name.size() <= 63 && std::regex_match(name, label)
              : name.size() <= 253 && std::regex_match(name, subdomain)) {
    return {};
  }
  std::string detail =
      isLabel
          ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
            "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
            "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
          : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
            "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
            "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  return {{"FieldValueInvalid", "Invalid value: " + json(name).dump() + ": " + detail, "metadata.name"}};
}

// Label keys and values as ObjectMeta validation checks them (k8s.io/apimachinery validation).
std::vector<FieldCause> validateLabels(const json& object) {
  static const std::regex value(R"(^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$)");
  static const std::regex name(R"(^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$)");
  static const std::regex prefix(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
  std::vector<FieldCause> out;
  json labels = metadataOf(object).value("labels", json::object());
  if (!labels.is_object()) return out;
  for (const auto& [k, v] : labels.items()) {
    auto slash = k.find('/');
    std::string n = slash == std::string::npos ? k : k.substr(slash + 1);
    std::string p = slash == std::string::npos ? "" : k.substr(0, slash);
    bool keyOk = n.size() <= 63 && std::regex_match(n, name) &&
                 (slash == std::string::npos || (p.size() <= 253 && std::regex_match(p, prefix)));
    if (!keyOk) {
      out.push_back(
          {"FieldValueInvalid",
           "Invalid value: " + json(k).dump() +
               ": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
               "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
               "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
           "metadata.labels"});
    }
    std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    if (!v.is_string() || text.size() > 63 || !std::regex_match(text, value)) {
      out.push_back(
          {"FieldValueInvalid",
           "Invalid value: " + json(text).dump() +
               ": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
               "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
               "'my_value',  or '12345', regex used for validation is "
               "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
           "metadata.labels"});
    }
  }
  return out;
}

// Strategic merge patch directives have no meaning in a JSON merge patch; built-in kinds get a merge patch
// without them (an approximation: list merge keys are not honoured).
void stripDirectives(json& patch) {
  if (patch.is_object()) {
    for (auto it = patch.begin(); it != patch.end();) {
      if (!it.key().empty() && it.key()[0] == '$') {
        it = patch.erase(it);
      } else {
        stripDirectives(it.value());
        ++it;
      }
    }
  } else if (patch.is_array()) {
    for (auto& item : patch)
      stripDirectives(item);
  }
}

std::string watchLine(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

}  // namespace

ApiServer::ApiServer(ResourceCatalog catalog, Options options)
    : catalog_(std::move(catalog)),
      options_(std::move(options)),
      store_(options_.historyLimit),
      token_(options_.token),
      random_(std::random_device{}()) {
  const ResourceType* namespaces = catalog_.find("", "v1", "namespaces");
  auto held = store_.lock();
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json ns = {{"apiVersion", "v1"},
               {"kind", "Namespace"},
               {"metadata",
                {{"name", name},
                 {"uid", newUid()},
                 {"creationTimestamp", nowTimestamp()},
                 {"labels", {{"kubernetes.io/metadata.name", name}}}}},
               {"spec", {{"finalizers", {"kubernetes"}}}},
               {"status", {{"phase", "Active"}}}};
    store_.put(namespaces->id(), std::string("/") + name, ns);
  }
}

void ApiServer::stop() {
  store_.stop();
}

std::string ApiServer::newUid() {
  std::lock_guard lock(controlMutex_);
  uint64_t a = random_(), b = random_();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string ApiServer::randomSuffix() {
  static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::lock_guard lock(controlMutex_);
  std::string out;
  for (int i = 0; i < 5; ++i)
    out.push_back(alphabet[random_() % (sizeof alphabet - 1)]);
  return out;
}

bool ApiServer::authorized(const HttpRequest& request) {
  if (!request.clientCertSubject.empty()) return true;
  std::lock_guard lock(controlMutex_);
  return request.header("authorization") == "Bearer " + token_;
}

HttpResponse ApiServer::handle(const HttpRequest& request) {
  ++requests_;
  if (request.path == "/healthz" || request.path == "/readyz" || request.path == "/livez") {
    HttpResponse ok;
    ok.contentType = "text/plain; charset=utf-8";
    ok.body = "ok";
    return ok;
  }
  if (!authorized(request)) return failure(401, "Unauthorized", "Unauthorized");
  if (request.path.rfind("/_fake/", 0) == 0) return control(request);
  if (request.header("content-type").find("protobuf") != std::string::npos) {
    return failure(415, "UnsupportedMediaType",
                   "the body of the request was in an unknown format - accepted media types include: "
                   "application/json, application/yaml");
  }
  {
    std::lock_guard lock(controlMutex_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (!it->method.empty() && it->method != request.method) continue;
      if (request.path.find(it->pathContains) == std::string::npos) continue;
      Fault fault = *it;
      if (--it->remaining <= 0) faults_.erase(it);
      ++faultsServed_;
      HttpResponse r = fault.status == 429 ? failure(429, "TooManyRequests",
                                                     "the server has received too many requests and has "
                                                     "asked us to try again later")
                                           : failure(fault.status, "InternalError",
                                                     "an error on the server (injected) has "
                                                     "prevented the request from succeeding");
      if (fault.retryAfterSeconds > 0)
        r.headers.emplace_back("Retry-After", std::to_string(fault.retryAfterSeconds));
      return r;
    }
  }
  return route(request);
}

HttpResponse ApiServer::control(const HttpRequest& request) {
  json body = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return failure(400, "BadRequest", "control request body is not JSON");
  const std::string& path = request.path;
  if (path == "/_fake/cut-watches") {
    auto held = store_.lock();
    store_.requestWatchCut();
  } else if (path == "/_fake/garbage-watches") {
    auto held = store_.lock();
    store_.requestWatchGarbage();
  } else if (path == "/_fake/compact") {
    auto held = store_.lock();
    store_.compact();
    snapshots_.clear();
  } else if (path == "/_fake/faults" && request.method == "DELETE") {
    std::lock_guard lock(controlMutex_);
    faults_.clear();
  } else if (path == "/_fake/faults") {
    Fault f;
    f.method = body.value("method", "");
    f.pathContains = body.value("pathContains", "");
    f.status = body.value("status", 500);
    f.retryAfterSeconds = body.value("retryAfterSeconds", 0);
    f.remaining = body.value("count", 1);
    std::lock_guard lock(controlMutex_);
    faults_.push_back(f);
  } else if (path == "/_fake/token") {
    std::lock_guard lock(controlMutex_);
    token_ = body.value("token", token_);
  } else if (path == "/_fake/stats") {
    auto held = store_.lock();
    return jsonResponse(200, {{"requests", requests_.load()},
                              {"watchesOpened", watchesOpened_.load()},
                              {"activeWatches", activeWatches_.load()},
                              {"faultsServed", faultsServed_.load()},
                              {"resourceVersion", std::to_string(store_.resourceVersion())}});
  } else {
    return failure(404, "NotFound", "unknown control request " + path);
  }
  return jsonResponse(200, {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Success"}});
}

HttpResponse ApiServer::route(const HttpRequest& request) {
  const std::string& path = request.path;
  if (path == "/version") {
    return jsonResponse(200, {{"major", "1"},
                              {"minor", "32"},
                              {"gitVersion", "v1.32.0-bulwark-fake"},
                              {"gitCommit", "0000000000000000000000000000000000000000"},
                              {"gitTreeState", "clean"},
                              {"buildDate", "2025-01-01T00:00:00Z"},
                              {"goVersion", "go1.23"},
                              {"compiler", "gc"},
                              {"platform", "linux/amd64"}});
  }
  if (path == "/api") return jsonResponse(200, catalog_.coreVersions(options_.serverAddress));
  if (path == "/apis") return jsonResponse(200, catalog_.groupList());
  if (path == "/openapi/v3") return jsonResponse(200, openApiIndex(catalog_));
  if (path.rfind("/openapi/v3/", 0) == 0) {
    json doc = openApiDocument(catalog_, path.substr(12));
    if (!doc.is_null()) return jsonResponse(200, doc);
  }
  std::vector<std::string> parts = splitPath(path);
  if (parts.size() >= 2 && parts[0] == "api" && parts[1] == "v1") {
    if (parts.size() == 2) return jsonResponse(200, catalog_.resourceList("", "v1"));
    return resource(request, "", "v1", {parts.begin() + 2, parts.end()});
  }
  if (parts.size() >= 2 && parts[0] == "apis") {
    if (parts.size() == 2) {
      json g = catalog_.group(parts[1]);
      if (!g.is_null()) return jsonResponse(200, g);
    } else if (parts.size() == 3) {
      json list = catalog_.resourceList(parts[1], parts[2]);
      if (!list.is_null()) return jsonResponse(200, list);
    } else {
      return resource(request, parts[1], parts[2], {parts.begin() + 3, parts.end()});
    }
  }
  return failure(404, "NotFound", "the server could not find the requested resource", json::object());
}

HttpResponse ApiServer::resource(const HttpRequest& request, const std::string& group,
                                 const std::string& version, const std::vector<std::string>& rest) {
  Target t;
  size_t i = 0;
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    const ResourceType* inner = catalog_.find(group, version, rest[2]);
    if (inner != nullptr && inner->namespaced) {
      t.ns = rest[1];
      i = 2;
    }
  }
  if (i >= rest.size()) return failure(404, "NotFound", "the server could not find the requested resource");
  t.type = catalog_.find(group, version, rest[i]);
  if (t.type == nullptr || rest.size() - i > 3 || (t.type->namespaced == false && !t.ns.empty())) {
    return failure(404, "NotFound", "the server could not find the requested resource");
  }
  if (rest.size() - i >= 2) t.name = rest[i + 1];
  if (rest.size() - i == 3) t.subresource = rest[i + 2];
  if (!t.subresource.empty() && !(t.subresource == "status" && t.type->statusSubresource)) {
    return failure(404, "NotFound", "the server could not find the requested resource");
  }
  bool collection = t.name.empty();
  if (!collection && t.type->namespaced && t.ns.empty()) {
    return failure(404, "NotFound", "the server could not find the requested resource");
  }
  const std::string& m = request.method;
  if (collection && m == "GET") {
    std::string w = request.param("watch");
    return w == "true" || w == "1" ? watch(request, t) : list(request, t);
  }
  if (collection && m == "POST") return create(request, t);
  if (collection && m == "DELETE") return removeCollection(request, t);
  if (!collection && m == "GET") return get(request, t);
  if (!collection && m == "PUT") return update(request, t);
  if (!collection && m == "PATCH") return patch(request, t);
  if (!collection && m == "DELETE" && t.subresource.empty()) return remove(request, t);
  return failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

HttpResponse ApiServer::get(const HttpRequest& request, const Target& t) {
  auto held = store_.lock();
  const json* object = store_.find(t.type->id(), t.key());
  if (object == nullptr) return notFound(*t.type, t.name);
  if (wantsTable(request)) {
    return jsonResponse(200, renderTable(*t.type, {*object}, request.param("includeObject"),
                                         {{"resourceVersion", resourceVersionOf(*object)}},
                                         std::chrono::system_clock::now()));
  }
  return jsonResponse(200, *object);
}

HttpResponse ApiServer::list(const HttpRequest& request, const Target& t) {
  auto labels = LabelSelector::parse(request.param("labelSelector"));
  if (!labels)
    return failure(400, "BadRequest", "unable to parse requirement: " + request.param("labelSelector"));
  auto fields = FieldSelector::parse(request.param("fieldSelector"));
  if (!fields) return failure(400, "BadRequest", "invalid field selector: " + request.param("fieldSelector"));
  uint64_t limit = 0;
  if (!request.param("limit").empty() && !parseUnsigned(request.param("limit"), limit)) {
    return failure(400, "BadRequest", "invalid limit " + request.param("limit"));
  }
  auto held = store_.lock();
  std::vector<json> items;
  uint64_t rv = 0;
  std::string token = request.param("continue");
  if (!token.empty()) {
    auto it = snapshots_.find(token);
    if (it == snapshots_.end()) {
      return failure(
          410, "Expired",
          "The provided continue parameter is too old to display a consistent list result. You can "
          "start a new list without the continue parameter.");
    }
    items = std::move(it->second.remaining);
    rv = it->second.resourceVersion;
    snapshots_.erase(it);
  } else {
    rv = store_.resourceVersion();
    for (const json* object : store_.list(t.type->id(), t.type->namespaced ? t.ns : std::string()))
      if (labels->matches(metadataOf(*object)["labels"]) && fields->matches(*object))
        items.push_back(*object);
  }
  json listMeta = {{"resourceVersion", std::to_string(rv)}};
  if (limit > 0 && items.size() > limit) {
    ListSnapshot rest{rv, {items.begin() + static_cast<std::ptrdiff_t>(limit), items.end()}};
    items.resize(limit);
    std::string next = "fake-" + std::to_string(rv) + "-" + randomSuffix() + randomSuffix();
    listMeta["continue"] = next;
    if (request.param("labelSelector").empty() && request.param("fieldSelector").empty()) {
      listMeta["remainingItemCount"] = rest.remaining.size();
    }
    if (snapshots_.size() >= kMaxListSnapshots) snapshots_.erase(snapshots_.begin());
    snapshots_[next] = std::move(rest);
  }
  if (wantsTable(request)) {
    return jsonResponse(200, renderTable(*t.type, items, request.param("includeObject"), listMeta,
                                         std::chrono::system_clock::now()));
  }
  return jsonResponse(200, {{"apiVersion", t.type->apiVersion()},
                            {"kind", t.type->kind + "List"},
                            {"metadata", listMeta},
                            {"items", items}});
}

HttpResponse ApiServer::watch(const HttpRequest& request, const Target& t) {
  auto labels = LabelSelector::parse(request.param("labelSelector"));
  if (!labels)
    return failure(400, "BadRequest", "unable to parse requirement: " + request.param("labelSelector"));
  auto fields = FieldSelector::parse(request.param("fieldSelector"));
  if (!fields) return failure(400, "BadRequest", "invalid field selector: " + request.param("fieldSelector"));
  std::string from = request.param("resourceVersion");
  uint64_t ignored = 0;
  if (!from.empty() && !parseUnsigned(from, ignored)) {
    return failure(400, "BadRequest", "invalid resource version: " + from);
  }
  uint64_t timeoutSeconds = 1800;
  if (!request.param("timeoutSeconds").empty() &&
      !parseUnsigned(request.param("timeoutSeconds"), timeoutSeconds)) {
    return failure(400, "BadRequest", "invalid timeoutSeconds " + request.param("timeoutSeconds"));
  }
  bool bookmarks = request.param("allowWatchBookmarks") == "true";
  std::string ns = t.type->namespaced ? t.ns : std::string();
  HttpResponse r;
  r.stream = [this, type = t.type, ns, labels = *labels, fields = *fields, from, bookmarks,
              timeoutSeconds](ResponseStream& out) {
    ++watchesOpened_;
    ++activeWatches_;
    streamWatch(out, type, ns, labels, fields, from, bookmarks, std::chrono::seconds(timeoutSeconds));
    --activeWatches_;
  };
  return r;
}

void ApiServer::streamWatch(ResponseStream& out, const ResourceType* type, const std::string& ns,
                            const LabelSelector& labels, const FieldSelector& fields,
                            const std::string& fromVersion, bool bookmarks, std::chrono::seconds timeout) {
  auto matches = [&](const json& object) {
    json meta = metadataOf(object);
    return (ns.empty() || meta.value("namespace", "") == ns) && labels.matches(meta["labels"]) &&
           fields.matches(object);
  };
  auto gone = [](uint64_t from, uint64_t oldest) {
    return watchLine("ERROR", failureStatus(410, "Expired",
                                            "too old resource version: " + std::to_string(from) + " (" +
                                                std::to_string(oldest) + ")"));
  };
  std::vector<std::string> lines;
  uint64_t from = 0, seenCuts = 0, seenGarbage = 0;
  {
    auto held = store_.lock();
    seenCuts = store_.cutRequests();
    seenGarbage = store_.garbageRequests();
    if (fromVersion.empty() || fromVersion == "0") {
      // No resourceVersion: the current state as synthetic ADDED events, then changes.
      from = store_.resourceVersion();
      for (const json* object : store_.list(type->id(), ns))
        if (matches(*object)) lines.push_back(watchLine("ADDED", *object));
    } else {
      from = std::stoull(fromVersion);
      if (from < store_.oldestResumable()) lines.push_back(gone(from, store_.oldestResumable()));
    }
  }
  for (const auto& line : lines)
    if (!out.send(line)) return;
  if (!lines.empty() && lines.back().find("\"ERROR\"") != std::string::npos) return;

  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto nextBookmark = std::chrono::steady_clock::now() + options_.bookmarkInterval;
  while (true) {
    std::vector<std::string> batch;
    bool cut = false, garbage = false, expired = false;
    {
      auto held = store_.lock();
      if (!store_.stopping() && store_.resourceVersion() <= from && store_.cutRequests() == seenCuts &&
          store_.garbageRequests() == seenGarbage) {
        store_.waitForChange(held, std::chrono::milliseconds(100));
      }
      if (store_.stopping()) return;
      if (from < store_.oldestResumable()) {
        // The history this watch still had to deliver was compacted away under it.
        batch.push_back(gone(from, store_.oldestResumable()));
        expired = true;
      } else {
        for (const auto& event : store_.eventsAfter(type->id(), from)) {
          bool before = !event.previous.is_null() && matches(event.previous);
          bool after = matches(event.object);
          std::string kind;
          if (event.type == "DELETED") {
            kind = before ? "DELETED" : "";
          } else if (before && after) {
            kind = "MODIFIED";
          } else if (after) {
            kind = "ADDED";
          } else if (before) {
            kind = "DELETED";  // it no longer matches the selector: gone from this watch's view
          }
          if (!kind.empty()) batch.push_back(watchLine(kind, event.object));
        }
        from = store_.resourceVersion();
      }
      cut = store_.cutRequests() != seenCuts;
      garbage = store_.garbageRequests() != seenGarbage;
      seenCuts = store_.cutRequests();
      seenGarbage = store_.garbageRequests();
    }
    if (cut) {
      // Deliver all but half of the last event, then drop the connection mid-object.
      std::string partial =
          batch.empty() ? std::string("{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"") : "";
      if (!batch.empty()) {
        partial = batch.back().substr(0, batch.back().size() / 2);
        batch.pop_back();
      }
      for (const auto& line : batch)
        if (!out.send(line)) return;
      out.send(partial);
      out.cut();
      return;
    }
    for (const auto& line : batch)
      if (!out.send(line)) return;
    if (expired) return;
    if (garbage && !out.send("{\"type\":\"MODIFIED\",\"object\":{this is not json\n")) return;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return;
    if (bookmarks && now >= nextBookmark) {
      json object = {{"kind", type->kind},
                     {"apiVersion", type->apiVersion()},
                     {"metadata", {{"resourceVersion", std::to_string(from)}}}};
      if (!out.send(watchLine("BOOKMARK", object))) return;
      nextBookmark = now + options_.bookmarkInterval;
    }
    if (out.clientGone()) return;
  }
}

HttpResponse ApiServer::create(const HttpRequest& request, const Target& t) {
  const ResourceType& type = *t.type;
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return failure(400, "BadRequest", "the body of the request was not a JSON object");
  }
  if (body.contains("apiVersion") && body["apiVersion"] != type.apiVersion()) {
    return failure(400, "BadRequest",
                   "the API version in the data (" + body["apiVersion"].dump() +
                       ") does not match the expected API version (" + type.apiVersion() + ")");
  }
  if (body.contains("kind") && body["kind"] != type.kind) {
    return failure(400, "BadRequest",
                   "the kind in the data (" + body["kind"].dump() + ") does not match the expected kind (" +
                       type.kind + ")");
  }
  json& meta = body["metadata"];
  if (!meta.is_object()) meta = json::object();
  if (type.namespaced && meta.contains("namespace") && meta["namespace"] != t.ns) {
    return failure(400, "BadRequest",
                   "the namespace of the provided object does not match the namespace sent on the request");
  }
  if (!resourceVersionOf(body).empty()) {
    return failure(400, "BadRequest", "resourceVersion should not be set on objects to be created");
  }
  if (!meta.contains("name") && meta.contains("generateName")) {
    meta["name"] = meta["generateName"].get<std::string>() + randomSuffix();
  }
  if (!meta.contains("name") || !meta["name"].is_string() || meta["name"] == "") {
    return invalid(
        type, "",
        {{"FieldValueRequired", "Required value: name or generateName is required", "metadata.name"}});
  }
  std::string name = meta["name"].get<std::string>();
  auto held = store_.lock();
  if (type.namespaced) {
    const ResourceType* namespaces = catalog_.find("", "v1", "namespaces");
    if (store_.find(namespaces->id(), "/" + t.ns) == nullptr) {
      return failure(404, "NotFound", "namespaces \"" + t.ns + "\" not found",
                     statusDetails(t.ns, "", "namespaces"));
    }
    meta["namespace"] = t.ns;
  }
  Target named = t;
  named.name = name;
  if (store_.find(type.id(), named.key()) != nullptr) {
    return failure(409, "AlreadyExists", type.groupResource() + " \"" + name + "\" already exists",
                   statusDetails(name, type.group, type.resource));
  }
  meta["uid"] = newUid();
  meta["creationTimestamp"] = nowTimestamp();
  meta["generation"] = 1;
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  if (type.kind == "Namespace" && !body.contains("status")) body["status"] = {{"phase", "Active"}};
  return commit(request, named, nullptr, std::move(body));
}

HttpResponse ApiServer::update(const HttpRequest& request, const Target& t) {
  const ResourceType& type = *t.type;
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return failure(400, "BadRequest", "the body of the request was not a JSON object");
  }
  json meta = metadataOf(body);
  if (meta.value("name", "") != t.name) {
    return failure(400, "BadRequest",
                   "the name of the object (" + meta.value("name", "") +
                       ") does not match the name on the URL (" + t.name + ")");
  }
  if (type.namespaced && meta.contains("namespace") && meta["namespace"] != t.ns) {
    return failure(400, "BadRequest",
                   "the namespace of the provided object does not match the namespace sent on the request");
  }
  auto held = store_.lock();
  const json* current = store_.find(type.id(), t.key());
  if (current == nullptr) return notFound(type, t.name);
  std::string rv = meta.value("resourceVersion", "");
  if (rv.empty() && type.custom) {
    return invalid(type, t.name,
                   {{"FieldValueInvalid", "Invalid value: 0x0: must be specified for an update",
                     "metadata.resourceVersion"}});
  }
  if (!rv.empty() && rv != resourceVersionOf(*current)) {
    return conflict(
        type, t.name,
        "the object has been modified; please apply your changes to the latest version and try again");
  }
  return commit(request, t, current, std::move(body));
}

HttpResponse ApiServer::patch(const HttpRequest& request, const Target& t) {
  const ResourceType& type = *t.type;
  std::string contentType = request.header("content-type");
  contentType = contentType.substr(0, contentType.find(';'));
  bool merge = contentType == "application/merge-patch+json";
  bool jsonPatch = contentType == "application/json-patch+json";
  bool strategic = contentType == "application/strategic-merge-patch+json";
  if (!(merge || jsonPatch || (strategic && !type.custom))) {
    return failure(415, "UnsupportedMediaType",
                   "the body of the request was in an unknown format - accepted media types include: "
                   "application/json-patch+json, application/merge-patch+json" +
                       std::string(type.custom ? "" : ", application/strategic-merge-patch+json"));
  }
  json patchDoc = json::parse(request.body, nullptr, false);
  if (patchDoc.is_discarded()) return failure(400, "BadRequest", "the patch is not valid JSON");
  auto held = store_.lock();
  const json* current = store_.find(type.id(), t.key());
  if (current == nullptr) return notFound(type, t.name);
  json patched = *current;
  if (jsonPatch) {
    try {
      patched = current->patch(patchDoc);
    } catch (const json::exception& e) {
      return failure(422, "Invalid", std::string("the JSON patch could not be applied: ") + e.what());
    }
  } else {
    if (!patchDoc.is_object()) return failure(400, "BadRequest", "a merge patch must be a JSON object");
    if (strategic) stripDirectives(patchDoc);
    patched.merge_patch(patchDoc);
  }
  if (metadataOf(patched).value("name", "") != t.name) {
    return failure(400, "BadRequest", "metadata.name cannot be changed by a patch");
  }
  std::string rv = resourceVersionOf(patched);
  if (!rv.empty() && rv != resourceVersionOf(*current)) {
    return conflict(
        type, t.name,
        "the object has been modified; please apply your changes to the latest version and try again");
  }
  return commit(request, t, current, std::move(patched));
}

HttpResponse ApiServer::commit(const HttpRequest& request, const Target& t, const json* current,
                               json candidate) {
  const ResourceType& type = *t.type;
  bool statusOnly = t.subresource == "status";
  std::vector<std::string> warnings;
  if (type.custom) {
    std::vector<std::string> unknown = pruneUnknownFields(type.schema, candidate);
    std::string mode = request.param("fieldValidation").empty() ? "Warn" : request.param("fieldValidation");
    if (!unknown.empty() && mode == "Strict") {
      std::string list;
      for (const auto& u : unknown)
        list += (list.empty() ? "" : ", ") + std::string("unknown field \"") + u + "\"";
      return failure(400, "BadRequest",
                     type.kind + " in version \"" + type.version + "\" cannot be handled as a " + type.kind +
                         ": strict decoding error: " + list);
    }
    if (mode == "Warn")
      for (const auto& u : unknown)
        warnings.push_back("unknown field \"" + u + "\"");
  }
  if (type.statusSubresource) {
    if (statusOnly) {
      // The status endpoint takes the status and ignores every other change.
      json next = *current;
      if (candidate.contains("status")) {
        next["status"] = candidate["status"];
      } else {
        next.erase("status");
      }
      candidate = std::move(next);
    } else if (current == nullptr) {
      candidate.erase("status");
      if (type.kind == "Namespace") candidate["status"] = {{"phase", "Active"}};
    } else if (current->contains("status")) {
      candidate["status"] = (*current)["status"];
    } else {
      candidate.erase("status");
    }
  }
  candidate["apiVersion"] = type.apiVersion();
  candidate["kind"] = type.kind;
  if (current != nullptr) {
    const json& was = (*current)["metadata"];
    json& meta = candidate["metadata"];
    for (const char* field : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                              "generation", "namespace", "name"}) {
      if (was.contains(field)) {
        meta[field] = was[field];
      } else {
        meta.erase(field);
      }
    }
  }
  if (type.custom) applySchemaDefaults(type.schema, candidate);
  std::string name = metadataOf(candidate).value("name", "");
  std::vector<FieldCause> causes = validateName(type, candidate);
  auto labelCauses = validateLabels(candidate);
  causes.insert(causes.end(), labelCauses.begin(), labelCauses.end());
  if (type.custom) {
    auto schemaCauses = validateSchema(type.schema, candidate);
    causes.insert(causes.end(), schemaCauses.begin(), schemaCauses.end());
    // As apiextensions-apiserver: CEL rules run unless a schema error leaves the object's shape in doubt
    // (wrong type, missing required field, unsupported enum value, too long or too many).
    bool blocking = std::any_of(schemaCauses.begin(), schemaCauses.end(), [](const FieldCause& c) {
      return c.reason == "FieldValueTypeInvalid" || c.reason == "FieldValueRequired" ||
             c.reason == "FieldValueNotSupported" || c.reason == "FieldValueTooLong" ||
             c.reason == "FieldValueTooMany";
    });
    if (blocking) {
      causes.push_back(
          {"FieldValueInvalid",
           "Invalid value: \"null\": some validation rules were not checked because the object was "
           "invalid; correct the existing errors to complete validation",
           "<nil>"});
    } else {
      auto cel = approximateCelRules(type.schema, candidate);
      causes.insert(causes.end(), cel.begin(), cel.end());
    }
  }
  if (current != nullptr && metadataOf(*current).contains("deletionTimestamp")) {
    json before = metadataOf(*current).value("finalizers", json::array());
    json added = json::array();
    for (const auto& f : metadataOf(candidate).value("finalizers", json::array()))
      if (std::find(before.begin(), before.end(), f) == before.end()) added.push_back(f);
    if (!added.empty()) {
      causes.push_back({"FieldValueForbidden",
                        "Forbidden: no new finalizers can be added if the object is being deleted, found new "
                        "finalizers " +
                            added.dump(),
                        "metadata.finalizers"});
    }
  }
  if (!causes.empty()) return invalid(type, name, causes);
  if (current != nullptr && !statusOnly && desiredState(candidate) != desiredState(*current)) {
    candidate["metadata"]["generation"] = metadataOf(*current).value("generation", 0) + 1;
  }

  HttpResponse response;
  for (const auto& w : warnings)
    response.headers.emplace_back("Warning", "299 - " + json(w).dump());
  response.status = current == nullptr ? 201 : 200;
  if (current != nullptr && withoutResourceVersion(candidate) == withoutResourceVersion(*current)) {
    response.body = current->dump();  // nothing changed: no new resourceVersion, no event
    return response;
  }
  if (request.param("dryRun") == "All") {
    response.body = candidate.dump();
    return response;
  }
  json meta = metadataOf(candidate);
  if (meta.contains("deletionTimestamp") && meta.value("finalizers", json::array()).empty()) {
    response.body = store_.remove(type.id(), t.key()).dump();  // the last finalizer went: delete it now
    return response;
  }
  response.body = store_.put(type.id(), t.key(), std::move(candidate)).dump();
  return response;
}

json ApiServer::deleteObject(const ResourceType& type, const std::string& key, const json& current) {
  json meta = metadataOf(current);
  if (!meta.value("finalizers", json::array()).empty()) {
    if (meta.contains("deletionTimestamp")) return current;
    json marked = current;
    marked["metadata"]["deletionTimestamp"] = nowTimestamp();
    marked["metadata"]["deletionGracePeriodSeconds"] = 0;
    marked["metadata"]["generation"] = meta.value("generation", 0) + 1;
    return store_.put(type.id(), key, std::move(marked));
  }
  if (type.kind == "Namespace") {
    // The namespace controller's work, done at once: everything in the namespace goes with it.
    std::string ns = meta.value("name", "");
    for (const auto& inner : catalog_.all()) {
      if (!inner.namespaced) continue;
      for (const json* object : store_.list(inner.id(), ns)) {
        json copy = *object;
        deleteObject(inner, ns + "/" + metadataOf(copy).value("name", ""), copy);
      }
    }
  }
  return store_.remove(type.id(), key);
}

HttpResponse ApiServer::remove(const HttpRequest& request, const Target& t) {
  const ResourceType& type = *t.type;
  json options = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
  if (options.is_discarded()) return failure(400, "BadRequest", "the DeleteOptions are not JSON");
  auto held = store_.lock();
  const json* current = store_.find(type.id(), t.key());
  if (current == nullptr) return notFound(type, t.name);
  if (options.contains("preconditions") && options["preconditions"].is_object()) {
    const json& pre = options["preconditions"];
    json meta = metadataOf(*current);
    if (pre.contains("uid") && pre["uid"].is_string() && pre["uid"] != meta.value("uid", "")) {
      return conflict(type, t.name,
                      "Precondition failed: UID in precondition: " + pre["uid"].get<std::string>() +
                          ", UID in object meta: " + meta.value("uid", ""));
    }
    if (pre.contains("resourceVersion") && pre["resourceVersion"].is_string() &&
        pre["resourceVersion"] != meta.value("resourceVersion", "")) {
      return conflict(type, t.name,
                      "Precondition failed: ResourceVersion in precondition: " +
                          pre["resourceVersion"].get<std::string>() +
                          ", ResourceVersion in object meta: " + meta.value("resourceVersion", ""));
    }
  }
  if (request.param("dryRun") == "All") return jsonResponse(200, *current);
  json copy = *current;
  return jsonResponse(200, deleteObject(type, t.key(), copy));
}

HttpResponse ApiServer::removeCollection(const HttpRequest& request, const Target& t) {
  auto labels = LabelSelector::parse(request.param("labelSelector"));
  if (!labels)
    return failure(400, "BadRequest", "unable to parse requirement: " + request.param("labelSelector"));
  auto held = store_.lock();
  std::vector<json> doomed;
  for (const json* object : store_.list(t.type->id(), t.type->namespaced ? t.ns : std::string()))
    if (labels->matches(metadataOf(*object)["labels"])) doomed.push_back(*object);
  json items = json::array();
  for (const auto& object : doomed) {
    std::string key = metadataOf(object).value("namespace", "") + "/" + metadataOf(object).value("name", "");
    items.push_back(deleteObject(*t.type, key, object));
  }
  return jsonResponse(200, {{"apiVersion", t.type->apiVersion()},
                            {"kind", t.type->kind + "List"},
                            {"metadata", {{"resourceVersion", std::to_string(store_.resourceVersion())}}},
                            {"items", items}});
}

}  // namespace bulwark::fakeapi

#include "agent/redis/redis_session.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

#include "core/util/ascii.h"

namespace bulwark::redis {

using boost::asio::ip::tcp;

namespace {

// Output waiting for a slow peer beyond this stops reading from the other side (TCP back-pressure)
// instead of buffering without bound.
constexpr size_t kHighWater = 1 << 20;

int64_t monotonicNs() {
  return std::chrono::steady_clock::now().time_since_epoch().count();
}

// Reads land in one buffer per worker: an idle connection holds no read buffer at all.
std::array<char, 64 * 1024>& scratch() {
  thread_local std::array<char, 64 * 1024> buffer;
  return buffer;
}

// Error replies that say the server, not the request, is in trouble; the breaker counts these.
// Application errors (WRONGTYPE, syntax, NOSCRIPT...) are the client's and count as successes.
bool overloadError(std::string_view text) {
  for (std::string_view prefix : {"BUSY", "LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "OOM",
                                  "MISCONF", "NOREPLICAS", "READONLY"}) {
    if (text.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

}  // namespace

void RedisSession::start(size_t worker, boost::asio::io_context& io, tcp::socket client,
                         std::shared_ptr<runtime::PolicyHandle> policy) {
  std::shared_ptr<RedisSession> s(new RedisSession(worker, io, std::move(client), std::move(policy)));
  s->begin();
}

RedisSession::RedisSession(size_t worker, boost::asio::io_context& io, tcp::socket client,
                           std::shared_ptr<runtime::PolicyHandle> policy)
    : worker_(worker),
      io_(io),
      client_(std::move(client)),
      upstream_(io),
      timer_(io),
      pacing_(io),
      policy_(std::move(policy)) {}

RedisSession::~RedisSession() = default;

void RedisSession::begin() {
  boost::system::error_code ec;
  client_.non_blocking(true, ec);
  policy_->attach(worker_, this);
  stats().connectionsOpened.add();
  if (policy().perClient) {
    auto remote = client_.remote_endpoint(ec);
    if (!ec) {
      clientLimiter_ = policy_->guards().clients().forClient(remote.address().to_string(),
                                                             *policy().perClient, monotonicNs());
    }
  }
  readClient();
}

// The upstream connection opens with the first request to forward: an idle client costs Redis nothing,
// and 10,000 idle clients cost the agent one socket each.
void RedisSession::connectUpstream() {
  upstreamConnecting_ = true;
  auto self = shared_from_this();
  auto resolver = std::make_shared<tcp::resolver>(io_);
  timer_.expires_after(std::chrono::nanoseconds(policy().connectTimeoutNs));
  timer_.async_wait([self, resolver](const boost::system::error_code& ec) {
    if (ec || self->upstreamConnected_ || self->closed_) return;
    resolver->cancel();
    boost::system::error_code ignored;
    self->upstream_.close(ignored);
  });
  resolver->async_resolve(
      policy().upstreamHost, std::to_string(policy().upstreamPort),
      [self, resolver](const boost::system::error_code& ec, tcp::resolver::results_type results) {
        if (self->closed_) return;
        if (ec) {
          spdlog::debug("Upstream resolve failed policy={} error=\"{}\"", self->policy().key, ec.message());
          self->failUpstream(self->policy().upstreamDownError, false);
          return;
        }
        boost::asio::async_connect(self->upstream_, results,
                                   [self](const boost::system::error_code& cec, const tcp::endpoint&) {
                                     if (self->closed_) return;
                                     self->timer_.cancel();
                                     if (cec) {
                                       self->failUpstream(self->policy().upstreamDownError, false);
                                       return;
                                     }
                                     boost::system::error_code ignored;
                                     self->upstream_.set_option(tcp::no_delay(true), ignored);
                                     self->upstream_.non_blocking(true, ignored);
                                     self->upstreamConnected_ = true;
                                     self->replies_.emplace();
                                     self->flushUpstream();
                                     self->armTimeout();
                                     self->readUpstream();
                                   });
      });
}

void RedisSession::readClient() {
  if (readingClient_ || closed_ || paced_ || draining_ || closeAfterFlush_) return;
  if (toUpstream_.size() + upstreamWriting_.size() > kHighWater) return;  // resumed when the upstream drains
  readingClient_ = true;
  client_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->readingClient_ = false;
                       if (self->closed_) return;
                       if (ec) {
                         self->close();
                         return;
                       }
                       auto& buf = scratch();
                       boost::system::error_code rec;
                       size_t n = self->client_.read_some(boost::asio::buffer(buf), rec);
                       if (rec == boost::asio::error::would_block) {
                         self->readClient();
                         return;
                       }
                       if (rec || n == 0) {  // the client went away
                         self->close();
                         return;
                       }
                       self->onClientData(buf.data(), n);
                       self->readClient();
                     });
}

void RedisSession::readUpstream() {
  if (readingUpstream_ || closed_ || !upstreamConnected_ || upstreamFailed_) return;
  if (toClient_.size() + clientWriting_.size() > kHighWater) return;  // resumed when the client drains
  readingUpstream_ = true;
  upstream_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](const boost::system::error_code& ec) {
                         self->readingUpstream_ = false;
                         if (self->closed_ || self->upstreamFailed_) return;
                         if (ec) {
                           self->failUpstream(self->policy().upstreamDownError, false);
                           return;
                         }
                         auto& buf = scratch();
                         boost::system::error_code rec;
                         size_t n = self->upstream_.read_some(boost::asio::buffer(buf), rec);
                         if (rec == boost::asio::error::would_block) {
                           self->readUpstream();
                           return;
                         }
                         if (rec || n == 0) {
                           self->failUpstream(self->policy().upstreamDownError, false);
                           return;
                         }
                         self->onUpstreamData(buf.data(), n);
                         self->readUpstream();
                       });
}

void RedisSession::onClientData(const char* data, size_t len) {
  const int64_t now = monotonicNs();
  size_t off = 0;
  while (off < len && !closed_ && !closeAfterFlush_) {
    if (paced_) {
      held_.append(data + off, len - off);
      break;
    }
    const char* chunk = data + off;
    RequestResult r = requests_.feed(chunk, len - off);
    // The parser says whether the bytes kept from earlier reads still belong to the frame: all of them
    // or none (a blank line split across reads belongs to nothing).
    if (r.carried == 0 && (r.status == RequestStatus::NeedMore || r.status == RequestStatus::Command))
      carried_.clear();
    switch (r.status) {
      case RequestStatus::NeedMore:
        if (requests_.inFrame()) carried_.append(chunk + r.frameBegin, r.consumed - r.frameBegin);
        break;
      case RequestStatus::Command: {
        Verdict v = decide(now);
        body_ = v;
        if (paced_) {
          pacedHeader_ = std::move(carried_);
          pacedHeader_.append(chunk + r.frameBegin, r.consumed - r.frameBegin);
        } else if (v == Verdict::Forward) {
          sendToUpstream(carried_);
          sendToUpstream(std::string_view(chunk + r.frameBegin, r.consumed - r.frameBegin));
        }
        carried_.clear();
        break;
      }
      case RequestStatus::Continue:
        if (body_ == Verdict::Forward) sendToUpstream(std::string_view(chunk, r.consumed));
        break;
      case RequestStatus::Error:
        stats().protocolErrors.add();
        spdlog::debug("Client protocol error policy={} error=\"{}\"", policy().key, requests_.errorMessage());
        pending_.push_back(Pending::answered(Pending::Kind::Local, std::string(requests_.errorReply())));
        closeAfterFlush_ = true;
        break;
    }
    off += r.consumed;
  }
  emitLocalReplies();
  flushUpstream();
  flushClient();
  armTimeout();
}

RedisSession::Verdict RedisSession::refuse(const std::string& reply, stats::Decision decision) {
  stats().count(decision);
  pending_.push_back(Pending::answered(Pending::Kind::Local, reply));
  return Verdict::Drop;
}

RedisSession::Verdict RedisSession::decide(int64_t now) {
  const runtime::CompiledPolicy& p = policy();
  auto args = requests_.args();
  Classification c = classify(args, requests_.argc());
  const bool bypass = p.mode == policy::OverrideMode::Bypass;
  const bool expectsReply = !subscribed_ && !(resp3_ && (c.subscribes || c.unsubscribes));

  if (bypass) return forward(now, c, false, {}, nullptr, expectsReply);

  // Deny rules, and inside MULTI nothing else: the transaction is decided as a unit at EXEC.
  runtime::RequestView view;
  view.command = args.empty() ? std::string_view() : args[0];
  if (c.info && c.info->isSubcommand() && args.size() > 1) view.subcommand = args[1];
  if (c.info && p.rulesNeedKey) {
    uint32_t key = firstKeyPosition(*c.info, args, requests_.argc());
    if (key > 0 && key < args.size()) view.firstKey = args[key];
  }
  if (hasClass(c.classes, CommandClass::Read)) view.classes |= runtime::kRead;
  if (hasClass(c.classes, CommandClass::Write)) view.classes |= runtime::kWrite;
  if (hasClass(c.classes, CommandClass::Admin)) view.classes |= runtime::kAdmin;
  if (c.blocking) view.classes |= runtime::kBlocking;
  if (hasClass(c.classes, CommandClass::PubSub)) view.classes |= runtime::kPubSub;
  if (c.transaction) view.classes |= runtime::kTransaction;
  const runtime::CompiledRule* rule = p.match(view);
  if (rule && rule->deny) {
    if (inMulti_) multiAborted_ = true;  // as redis aborts a transaction with a rejected command
    return refuse(p.deniedError(view.command), stats::Decision::Denied);
  }

  const CommandId id = c.id();
  if (inMulti_ && id != CommandId::Exec && id != CommandId::Discard && id != CommandId::Multi) {
    ++queued_;
    return forward(now, c, false, {}, nullptr, true);
  }
  if (id == CommandId::Multi) {
    inMulti_ = true;
    multiAborted_ = false;
    queued_ = 0;
    return forward(now, c, false, {}, nullptr, true);
  }
  if (id == CommandId::Discard) {
    inMulti_ = false;
    return forward(now, c, false, {}, nullptr, true);
  }
  bool exec = id == CommandId::Exec && inMulti_;
  int64_t units = exec ? std::max<int64_t>(1, queued_) : 1;
  if (exec) inMulti_ = false;

  // A refused EXEC still has to end the transaction upstream: DISCARD goes instead, and its +OK is
  // replaced by the refusal.
  auto refuseExec = [&](const std::string& reply, stats::Decision decision) {
    stats().count(decision, static_cast<uint64_t>(units));
    sendToUpstream("*1\r\n$7\r\nDISCARD\r\n");
    pending_.push_back(Pending::answered(Pending::Kind::Replaced, reply));
    return Verdict::Drop;
  };
  if (exec && multiAborted_) {
    return refuseExec("-EXECABORT Transaction discarded because of previous errors.\r\n",
                      stats::Decision::Denied);
  }

  // Connection commands (AUTH, HELLO, PING, SELECT, CLIENT ...) keep a client able to talk under any load.
  const bool connection = c.info && (c.info->acl & acl_category::kConnection) != 0;
  if (!connection) {
    if (clientLimiter_ && !clientLimiter_->tryAcquire(now, units).allowed) {
      return exec ? refuseExec(p.rateLimitedError, stats::Decision::Limited)
                  : refuse(p.rateLimitedError, stats::Decision::Limited);
    }
    runtime::SharedLimiter* limiter = nullptr;
    if (rule) {
      limiter = policy_->guards().ruleLimiter(rule->name);
    } else if (p.budget) {
      limiter = policy_->guards().budget();
    }
    if (limiter) {
      guard::GcraLimiter::Decision d;
      if (p.pace && !exec) {
        d = limiter->limiter.acquireWithin(now, p.maxWaitNs, units);  // pacing needs the exact schedule
      } else if (units == 1) {
        d.allowed = limiter->admit(worker_, now);
      } else {
        d = limiter->limiter.tryAcquire(now, units);
      }
      if (!d.allowed) {
        return exec ? refuseExec(p.rateLimitedError, stats::Decision::Limited)
                    : refuse(p.rateLimitedError, stats::Decision::Limited);
      }
      if (d.waitNs > 0) {
        paced_ = true;
        pacing_.expires_after(std::chrono::nanoseconds(d.waitNs));
        pacing_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
          if (!ec && !self->closed_) self->resumeAfterPacing();
        });
      }
    }
  }
  bool holdsSlot = false;
  guard::Bulkhead* bulkhead = p.maxInFlight ? policy_->guards().bulkhead() : nullptr;
  if (bulkhead && !connection && !c.blocking && !c.subscribes && expectsReply) {
    if (!bulkhead->tryAcquire()) {
      return exec ? refuseExec(p.bulkheadFullError, stats::Decision::Shed)
                  : refuse(p.bulkheadFullError, stats::Decision::Shed);
    }
    holdsSlot = true;
  }
  guard::CircuitBreaker* breaker = p.breaker ? policy_->guards().breaker() : nullptr;
  guard::CircuitBreaker::Permit permit;
  if (breaker) {
    permit = breaker->tryAcquire(now);
    if (!permit.allowed) {
      if (holdsSlot) bulkhead->release();
      return exec ? refuseExec(p.breakerOpenError, stats::Decision::BreakerOpen)
                  : refuse(p.breakerOpenError, stats::Decision::BreakerOpen);
    }
  }
  stats().count(stats::Decision::Allowed, static_cast<uint64_t>(units) - 1);
  return forward(now, c, holdsSlot, permit, breaker, expectsReply);
}

RedisSession::Verdict RedisSession::forward(int64_t now, const Classification& c, bool holdsSlot,
                                            guard::CircuitBreaker::Permit permit,
                                            guard::CircuitBreaker* breaker, bool expectsReply) {
  stats().count(stats::Decision::Allowed);
  if (!expectsReply) return Verdict::Forward;
  Pending p;
  p.kind = Pending::Kind::Upstream;
  p.sentNs = now;
  p.holdsSlot = holdsSlot;
  p.timed = !c.blocking && !c.subscribes && c.id() != CommandId::Monitor;
  p.hello = c.id() == CommandId::Hello;
  p.permit = permit;
  p.breaker = breaker;
  // Subscriber and monitor modes: once the command's first reply is in, replies stop pairing with
  // requests (a SUBSCRIBE of N channels answers N times, then messages follow).
  p.entersRawMode = (c.subscribes && !resp3_) || c.id() == CommandId::Monitor;
  p.blocking = c.blocking;
  pending_.push_back(std::move(p));
  return Verdict::Forward;
}

void RedisSession::resumeAfterPacing() {
  paced_ = false;
  if (body_ == Verdict::Forward) sendToUpstream(pacedHeader_);
  pacedHeader_.clear();
  std::string rest = std::move(held_);
  held_.clear();
  if (!rest.empty()) {
    onClientData(rest.data(), rest.size());
  } else {
    flushUpstream();
    armTimeout();
  }
  readClient();
}

void RedisSession::onUpstreamData(const char* data, size_t len) {
  size_t off = 0;
  while (off < len && !closed_ && !upstreamFailed_) {
    if (!replyInFrame_) {
      emitLocalReplies();
      const bool push = data[off] == '>';
      const bool paired = !subscribed_ && !push && !pending_.empty();
      replyIsOutOfBand_ = !paired;
      replyDropped_ = paired && pending_.front().kind == Pending::Kind::Replaced;
      replyInFrame_ = true;
    }
    ReplyResult r = replies_->feed(data + off, len - off);
    if (r.status == ReplyStatus::Error) {
      spdlog::warn("Upstream protocol error policy={} error=\"{}\"", policy().key,
                   RespReplyParser::describe(replies_->error()));
      failUpstream(policy().upstreamDownError, false);
      return;
    }
    if (!replyDropped_) sendToClient(std::string_view(data + off, r.consumed));
    off += r.consumed;
    if (r.status == ReplyStatus::Reply) {
      replyInFrame_ = false;
      finishReply(monotonicNs());
    }
  }
  emitLocalReplies();
  flushClient();
  maybeClose();
}

void RedisSession::finishReply(int64_t now) {
  const ReplyFrame& f = replies_->frame();
  // An attribute before a push hid its type from the first byte; the parsed frame is authoritative.
  if (replyIsOutOfBand_ || f.isPush()) {
    if (!subscribed_ || f.isPush()) return;
    // RESP2 subscriber mode ends when the last subscription goes (or on RESET).
    if (f.value.type == ReplyType::SimpleString && f.value.content == "RESET") {
      subscribed_ = false;
    } else if (f.value.type == ReplyType::Array && f.elements.size() >= 3 &&
               f.elements[2].type == ReplyType::Integer && f.elements[2].integer == 0) {
      std::string_view kind = f.elements[0].content;
      if (equalsIgnoreCase(kind, "unsubscribe") || equalsIgnoreCase(kind, "punsubscribe") ||
          equalsIgnoreCase(kind, "sunsubscribe")) {
        subscribed_ = false;
      }
    }
    return;
  }
  Pending p = std::move(pending_.front());
  pending_.pop_front();
  if (p.kind == Pending::Kind::Replaced) sendToClient(p.reply);
  if (p.hello && !f.isError()) resp3_ = f.value.type == ReplyType::Map;
  if (p.entersRawMode && !f.isError()) subscribed_ = true;
  const bool failed = f.isError() && overloadError(f.value.content);
  if (failed) stats().upstreamErrors.add();
  settle(p, now, failed);
  armTimeout();
}

void RedisSession::settle(Pending& p, int64_t now, bool failed) {
  if (p.holdsSlot) {
    if (auto* b = policy_->guards().bulkhead()) b->release();
    p.holdsSlot = false;
  }
  const int64_t duration = p.blocking ? 0 : now - p.sentNs;
  if (p.breaker && p.permit.allowed) p.breaker->onResult(p.permit, now, failed, duration);
  p.breaker = nullptr;
  if (!p.blocking && p.kind != Pending::Kind::Local) stats().upstreamLatency.observe(now - p.sentNs);
}

void RedisSession::emitLocalReplies() {
  if (replyInFrame_) return;  // never inside an upstream reply that is being streamed
  while (!pending_.empty() && pending_.front().kind == Pending::Kind::Local) {
    sendToClient(pending_.front().reply);
    pending_.pop_front();
  }
}

void RedisSession::sendToClient(std::string_view bytes) {
  toClient_.append(bytes);
}

void RedisSession::sendToUpstream(std::string_view bytes) {
  toUpstream_.append(bytes);
}

void RedisSession::flushClient() {
  if (clientWriteBusy_ || toClient_.empty() || closed_) return;
  boost::system::error_code ec;
  size_t n = client_.write_some(boost::asio::buffer(toClient_), ec);
  if (ec && ec != boost::asio::error::would_block) {
    close();
    return;
  }
  toClient_.erase(0, n);
  if (toClient_.empty()) {
    maybeClose();
    readUpstream();  // it may have paused for this backlog
    return;
  }
  clientWriteBusy_ = true;
  clientWriting_.swap(toClient_);
  boost::asio::async_write(client_, boost::asio::buffer(clientWriting_),
                           [self = shared_from_this()](const boost::system::error_code& wec, size_t) {
                             self->clientWriteBusy_ = false;
                             self->clientWriting_.clear();
                             if (self->closed_) return;
                             if (wec) {
                               self->close();
                               return;
                             }
                             self->flushClient();
                             self->readUpstream();
                           });
}

void RedisSession::flushUpstream() {
  if (upstreamWriteBusy_ || toUpstream_.empty() || upstreamFailed_ || closed_) return;
  if (!upstreamConnected_) {
    if (!upstreamConnecting_) connectUpstream();
    return;
  }
  boost::system::error_code ec;
  size_t n = upstream_.write_some(boost::asio::buffer(toUpstream_), ec);
  if (ec && ec != boost::asio::error::would_block) {
    failUpstream(policy().upstreamDownError, false);
    return;
  }
  toUpstream_.erase(0, n);
  if (toUpstream_.empty()) {
    readClient();  // it may have paused for this backlog
    return;
  }
  upstreamWriteBusy_ = true;
  upstreamWriting_.swap(toUpstream_);
  boost::asio::async_write(upstream_, boost::asio::buffer(upstreamWriting_),
                           [self = shared_from_this()](const boost::system::error_code& wec, size_t) {
                             self->upstreamWriteBusy_ = false;
                             self->upstreamWriting_.clear();
                             if (self->closed_ || self->upstreamFailed_) return;
                             if (wec) {
                               self->failUpstream(self->policy().upstreamDownError, false);
                               return;
                             }
                             self->flushUpstream();
                             self->readClient();
                           });
}

void RedisSession::armTimeout() {
  if (!policy().requestTimeoutNs || !upstreamConnected_ || closed_ || upstreamFailed_) return;
  if (pending_.empty() || pending_.front().kind == Pending::Kind::Local || !pending_.front().timed) {
    return;
  }
  // Replies come in order, so the oldest request is the first to be late.
  auto deadline = std::chrono::steady_clock::time_point(
      std::chrono::nanoseconds(pending_.front().sentNs + *policy().requestTimeoutNs));
  if (timer_.expiry() == deadline) return;
  timer_.expires_at(deadline);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->onTimeout();
  });
}

void RedisSession::onTimeout() {
  if (closed_ || upstreamFailed_ || pending_.empty() || pending_.front().kind == Pending::Kind::Local) return;
  const int64_t now = monotonicNs();
  if (now < pending_.front().sentNs + *policy().requestTimeoutNs) {
    armTimeout();
    return;
  }
  failUpstream(policy().timeoutError, true);
}

// The upstream connection is unusable (lost, failed to connect, a reply too late, garbage): every request
// still waiting gets an error, in order. Reply order cannot be restored on a new connection, and the
// connection's state (AUTH, SELECT, MULTI, subscriptions) is gone with it, so the client connection
// closes once the errors are written; clients reconnect.
void RedisSession::failUpstream(const std::string& reply, bool timedOut) {
  if (upstreamFailed_ || closed_) return;
  upstreamFailed_ = true;
  timer_.cancel();
  boost::system::error_code ignored;
  upstream_.close(ignored);
  stats().upstreamErrors.add();
  if (replyInFrame_ && !replyDropped_) {
    close();  // half a reply already went to the client: nothing sensible can follow it
    return;
  }
  replyInFrame_ = false;
  const int64_t now = monotonicNs();
  for (Pending& p : pending_) {
    if (p.kind == Pending::Kind::Local) continue;
    settle(p, now, true);
    if (timedOut) stats().count(stats::Decision::Timeout);
    p.kind = Pending::Kind::Local;
    p.reply = reply;
  }
  closeAfterFlush_ = true;
  emitLocalReplies();
  flushClient();
  maybeClose();
}

void RedisSession::drain() {
  draining_ = true;
  maybeClose();
}

void RedisSession::maybeClose() {
  if (closed_) return;
  const bool quiet = pending_.empty() && !replyInFrame_ && toClient_.empty() && !clientWriteBusy_;
  if ((closeAfterFlush_ || draining_) && quiet) close();
}

void RedisSession::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  timer_.cancel();
  pacing_.cancel();
  client_.close(ignored);
  upstream_.close(ignored);
  for (Pending& p : pending_) {
    if (p.holdsSlot) {
      if (auto* b = policy_->guards().bulkhead()) b->release();
    }
    // No outcome: the client left before the answer, which says nothing about the upstream.
    if (p.breaker && p.permit.allowed) p.breaker->cancel(p.permit);
  }
  pending_.clear();
  stats().connectionsClosed.add();
  policy_->detach(worker_, this);
}

}  // namespace bulwark::redis

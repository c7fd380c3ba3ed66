#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "agent/redis/command_table.h"
#include "agent/redis/resp_reply_parser.h"
#include "agent/redis/resp_request_parser.h"
#include "agent/runtime/policy_registry.h"
#include "core/guard/circuit_breaker.h"
#include "core/guard/gcra_limiter.h"

namespace bulwark::redis {

// One client connection proxied to its own upstream connection (1:1), so every Redis feature that keeps
// state on the connection — AUTH, HELLO, SELECT, MULTI/EXEC/WATCH, subscriptions, blocking commands,
// CLIENT TRACKING — keeps working. Requests are parsed only up to their header; the policy decides on
// each command (deny rules, per-client limit, rule or budget limit, bulkhead, breaker) and the bytes are
// forwarded verbatim or answered locally with an error that names the policy. Replies go back in request
// order; RESP3 pushes and RESP2 subscriber-mode messages pass straight through. Everything runs on one
// worker thread, so the session needs no lock.
class RedisSession final : public std::enable_shared_from_this<RedisSession>, public runtime::Drainable {
 public:
  static void start(size_t worker, boost::asio::io_context& io, boost::asio::ip::tcp::socket client,
                    std::shared_ptr<runtime::PolicyHandle> policy);
  ~RedisSession() override;

  void drain() override;

 private:
  // A request whose answer the client is owed, in the order the client sent them.
  struct Pending {
    enum class Kind : uint8_t {
      Upstream,  // forwarded; the next upstream reply is its answer
      Local,     // answered by the agent (a refusal): `reply`
      Replaced,  // forwarded, but the upstream's answer is dropped and `reply` sent instead
    };
    Kind kind = Kind::Upstream;
    std::string reply;
    int64_t sentNs = 0;
    bool holdsSlot = false;      // a bulkhead slot to release
    bool timed = false;          // subject to timeouts.request
    bool hello = false;          // HELLO: the reply tells which protocol the connection speaks
    bool entersRawMode = false;  // RESP2 SUBSCRIBE, MONITOR: later replies do not pair with requests
    bool blocking = false;       // may wait by design: no latency sample, never slow
    guard::CircuitBreaker::Permit permit;
    guard::CircuitBreaker* breaker = nullptr;

    static Pending answered(Kind kind, std::string reply) {
      Pending p;
      p.kind = kind;
      p.reply = std::move(reply);
      return p;
    }
  };

  // What became of the command whose header was just parsed.
  enum class Verdict : uint8_t { Forward, Drop };

  RedisSession(size_t worker, boost::asio::io_context& io, boost::asio::ip::tcp::socket client,
               std::shared_ptr<runtime::PolicyHandle> policy);

  void begin();
  void connectUpstream();
  void readClient();
  void readUpstream();
  void onClientData(const char* data, size_t len);
  void onUpstreamData(const char* data, size_t len);
  Verdict decide(int64_t nowNs);
  Verdict refuse(const std::string& reply, stats::Decision decision);
  Verdict forward(int64_t nowNs, const Classification& c, bool holdsSlot,
                  guard::CircuitBreaker::Permit permit, guard::CircuitBreaker* breaker, bool expectsReply);
  void finishReply(int64_t nowNs);
  void settle(Pending& p, int64_t nowNs, bool failed);
  void emitLocalReplies();
  void sendToClient(std::string_view bytes);
  void sendToUpstream(std::string_view bytes);
  void flushClient();
  void flushUpstream();
  void armTimeout();
  void onTimeout();
  void failUpstream(const std::string& reply, bool timedOut);
  void resumeAfterPacing();
  void maybeClose();
  void close();
  const runtime::CompiledPolicy& policy() const { return policy_->config(worker_); }
  stats::WorkerPolicyStats& stats() { return policy_->guards().stats().worker(worker_); }

  size_t worker_;
  boost::asio::io_context& io_;
  boost::asio::ip::tcp::socket client_;
  boost::asio::ip::tcp::socket upstream_;
  boost::asio::steady_timer timer_;   // connect timeout, then request timeouts
  boost::asio::steady_timer pacing_;  // onLimit: wait
  std::shared_ptr<runtime::PolicyHandle> policy_;
  std::shared_ptr<guard::GcraLimiter> clientLimiter_;

  RespRequestParser requests_;
  std::optional<RespReplyParser> replies_;  // made when the upstream connects: idle clients do not pay for it
  std::deque<Pending> pending_;

  // Request bytes of an undecided header that arrived in earlier reads.
  std::string carried_;
  // Client bytes held back while a paced command waits for its turn.
  std::string held_;
  std::string pacedHeader_;
  Verdict body_ = Verdict::Forward;  // what to do with the body of the command being streamed

  std::string toClient_, clientWriting_;
  std::string toUpstream_, upstreamWriting_;
  bool clientWriteBusy_ = false;
  bool upstreamWriteBusy_ = false;
  bool upstreamConnecting_ = false;
  bool upstreamConnected_ = false;
  bool upstreamFailed_ = false;
  bool readingClient_ = false;
  bool readingUpstream_ = false;
  bool paced_ = false;
  bool draining_ = false;
  bool closeAfterFlush_ = false;
  bool closed_ = false;

  // Connection state the proxy must follow to pair replies with requests.
  bool resp3_ = false;
  bool subscribed_ = false;  // RESP2 subscriber mode: replies are not paired, they pass through
  bool inMulti_ = false;
  bool multiAborted_ = false;  // a queued command was refused: EXEC becomes DISCARD
  int64_t queued_ = 0;         // commands queued in the transaction
  // The upstream reply being streamed belongs to `pending_.front()` unless it is a push.
  bool replyInFrame_ = false;
  bool replyIsOutOfBand_ = false;
  bool replyDropped_ = false;
};

}  // namespace bulwark::redis

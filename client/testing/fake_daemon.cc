#include "client/testing/fake_daemon.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>

namespace chainaccel::testing {

class FakeDaemon::HashService final : public v1::HashService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Hash(grpc::CallbackServerContext* context,
                                 const v1::HashRequest* request,
                                 v1::HashResponse* response) override {
    const v1::ByteBatch& batch = request->messages();
    std::string* digests = response->mutable_digests();
    auto add = [digests](uint64_t size) {
      digests->push_back(static_cast<char>(size));
      digests->append(31, '\0');
    };
    if (batch.item_size() != 0) {
      for (size_t i = 0; i < batch.data().size() / batch.item_size(); ++i) add(batch.item_size());
    } else {
      for (int i = 0; i + 1 < batch.offsets_size(); ++i) {
        add(batch.offsets(i + 1) - batch.offsets(i));
      }
    }
    response->set_engine("fake");
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_request_ = *request;
      last_authorization_.clear();
      const auto& metadata = context->client_metadata();
      for (auto [it, end] = metadata.equal_range("authorization"); it != end; ++it) {
        last_authorization_.emplace_back(it->second.data(), it->second.size());
      }
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  v1::HashRequest last_request() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_request_;
  }
  std::vector<std::string> last_authorization() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_authorization_;
  }

 private:
  mutable std::mutex mu_;
  v1::HashRequest last_request_;  // guarded by mu_
  std::vector<std::string> last_authorization_;  // guarded by mu_
};

FakeDaemon::FakeDaemon() : hash_service_(std::make_unique<HashService>()) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(1 << 30);
  builder.RegisterService(hash_service_.get());
  server_ = builder.BuildAndStart();
  address_ = "127.0.0.1:" + std::to_string(port);
}

FakeDaemon::~FakeDaemon() { server_->Shutdown(); }

v1::HashRequest FakeDaemon::last_hash_request() const { return hash_service_->last_request(); }

std::vector<std::string> FakeDaemon::last_authorization() const {
  return hash_service_->last_authorization();
}

}  // namespace chainaccel::testing

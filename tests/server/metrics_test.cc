// Metrics: the execution families as /metrics shows them.
#include "server/metrics.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "engines/cpu/cpu_engine.h"
#include "engines/scheduler/hybrid_scheduler.h"

namespace chainaccel::server {
namespace {

TEST_CASE("Execution metrics count blocks, receipts by status, runs and aborts", "[metrics]") {
  Metrics m;
  m.SetExecutionHeight(7);
  CHECK_THAT(m.Scrape(), Catch::Contains("chainaccel_execution_height 7"));
  m.RecordBlock(8, 120, 15);
  m.RecordTransactions("ok", 90);
  m.RecordTransactions("reverted", 10);
  m.RecordTransactions("trapped", 0);
  m.RecordBlock(9, 5, 0);
  m.RecordTransactions("ok", 5);
  const std::string text = m.Scrape();
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_height 9"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_blocks_total 2"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_runs_total 125"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_aborts_total 15"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_transactions_total{status=\"ok\"} 95"));
  CHECK_THAT(text,
             Catch::Contains("chainaccel_execution_transactions_total{status=\"reverted\"} 10"));
  CHECK_THAT(text, !Catch::Contains("status=\"trapped\""));
}

TEST_CASE("Execution metrics: each block's phases go into one histogram per phase",
          "[metrics]") {
  Metrics m;
  m.RecordBlockPhases(0.004, 0.008, 0.012, 0.0002, 0.045);
  m.RecordBlockPhases(0.006, 0, 0.020, 0.0003, 0.055);
  const std::string text = m.Scrape();
  for (const char* phase : {"verify", "execute", "root", "commit"}) {
    CHECK_THAT(text, Catch::Contains("chainaccel_execution_phase_seconds_count{phase=\"" +
                                     std::string(phase) + "\"} 2"));
  }
  // Proofs only for the block that had some.
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_phase_seconds_count{phase=\"proofs\"} 1"));
  // 45 and 55 ms both fall in the commit phase's 50 ms .. 100 ms buckets: one at or below
  // 0.05, both at or below 0.1.
  CHECK_THAT(text, Catch::Contains(
                       "chainaccel_execution_phase_seconds_bucket{phase=\"commit\",le=\"0.05\"} 1"));
  CHECK_THAT(text, Catch::Contains(
                       "chainaccel_execution_phase_seconds_bucket{phase=\"commit\",le=\"0.1\"} 2"));
}

TEST_CASE("Execution metrics: the store's cache and storage figures are read at the scrape, "
          "and not once the source is gone",
          "[metrics]") {
  Metrics m;
  CHECK_THAT(m.Scrape(), !Catch::Contains("chainaccel_execution_state_cache"));
  CHECK_THAT(m.Scrape(), !Catch::Contains("chainaccel_execution_storage"));
  StateStoreStats stats;
  stats.cache.hits[0] = 5;
  stats.cache.hits[1] = 7;
  stats.cache.misses[0] = 3;
  stats.cache.misses[1] = 1;
  stats.cache.evictions = 2;
  stats.cache.bytes = 4096;
  stats.cache.capacity = 1 << 20;
  stats.storage.level0_files = 9;
  stats.storage.immutable_memtables = 1;
  stats.storage.pending_compaction_bytes = 123456;
  stats.storage.running_flushes = 1;
  stats.storage.running_compactions = 2;
  stats.storage.table_bytes = 7777;
  stats.storage.write_stall_micros = 2'500'000;
  stats.storage.log_bytes = 4096;
  m.SetStateStoreSource([&stats] { return stats; });
  std::string text = m.Scrape();
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_state_cache_hits_total{kind=\"value\"} 5"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_state_cache_hits_total{kind=\"node\"} 7"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_state_cache_misses_total{kind=\"value\"} 3"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_state_cache_misses_total{kind=\"node\"} 1"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_state_cache_evictions_total 2"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_state_cache_bytes 4096"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_state_cache_capacity_bytes 1048576"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_storage_write_stall_seconds_total 2.5"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_storage_level0_files 9"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_storage_log_written_bytes_total 4096"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_storage_immutable_memtables 1"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_storage_pending_compaction_bytes 123456"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_storage_table_bytes 7777"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_storage_running_jobs{kind=\"flush\"} 1"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_storage_running_jobs{kind=\"compaction\"} 2"));
  stats.cache.hits[0] = 6;  // read again at the next scrape
  stats.storage.level0_files = 3;
  text = m.Scrape();
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_state_cache_hits_total{kind=\"value\"} 6"));
  CHECK_THAT(text, Catch::Contains("chainaccel_execution_storage_level0_files 3"));
  m.SetStateStoreSource(nullptr);
  CHECK_THAT(m.Scrape(), !Catch::Contains("chainaccel_execution_state_cache"));
  CHECK_THAT(m.Scrape(), !Catch::Contains("chainaccel_execution_storage"));
}

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(CHAINACCEL_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The chainaccel_* metric names a text uses, histogram series reduced to their family.
std::set<std::string> MetricNames(const std::string& text) {
  static const std::regex name("chainaccel_[a-z0-9_]+");
  static const std::regex series_suffix("_(bucket|sum|count)$");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator(); ++it) {
    names.insert(std::regex_replace(it->str(), series_suffix, ""));
  }
  return names;
}

TEST_CASE("Every metric the dashboard and the alerting rules use is exported", "[metrics]") {
  Metrics m;
  CpuEngine cpu(CpuEngine::Options{1});
  HybridScheduler scheduler({&cpu}, HybridScheduler::Options{}, Clock::Steady(),
                            m.scheduler_observer());
  m.SetEngines(scheduler.engines());
  m.SetScheduler(&scheduler);
  // One event of every kind, so that families with labels have a series.
  m.RecordRequest("Hash", "OK", 0.001, 10, 10);
  m.RecordItems("Hash", ItemStatus::kOk, 1);
  m.AddInFlight(0);
  m.RecordBlock(1, 1, 0);
  m.RecordBlockPhases(0.1, 0.1, 0.1, 0.1, 0.1);
  m.RecordTransactions("ok", 1);
  SchedulerObserver& observer = *m.scheduler_observer();
  const double waits[] = {0.001};
  BatchReport batch;
  batch.engine = "cpu";
  batch.items = 1;
  batch.requests = 1;
  batch.queue_wait = waits;
  batch.gather_seconds = 0.5;
  batch.scatter_seconds = 0.25;
  observer.OnBatch(batch);
  const std::string scraped = m.Scrape();
  CHECK_THAT(scraped, Catch::Contains(
      "chainaccel_scheduler_batch_host_seconds_total{engine=\"cpu\",phase=\"gather\",task=\"hash\"} 0.5"));
  CHECK_THAT(scraped, Catch::Contains(
      "chainaccel_scheduler_batch_host_seconds_total{engine=\"cpu\",phase=\"scatter\",task=\"hash\"} 0.25"));
  batch.ok = false;
  observer.OnBatch(batch);
  observer.OnRejected(TaskType::kHash, "queue_items");
  observer.OnDropped(TaskType::kHash, "deadline");
  m.SetStateStoreSource([] { return StateStoreStats{}; });
  const std::set<std::string> exported = MetricNames(m.Scrape());
  for (const char* file : {"deploy/grafana/chainaccel-dashboard.json", "deploy/prometheus/alerts.yml"}) {
    const std::set<std::string> used = MetricNames(ReadSourceFile(file));
    CHECK(used.size() >= 10);
    for (const std::string& metric : used) {
      INFO(file << " uses " << metric);
      CHECK(exported.count(metric) == 1);
    }
  }
  scheduler.Shutdown();
}

TEST_CASE("A metrics address already in use is named in the error", "[metrics]") {
  // Regression: the message was civetweb's "null context when constructing CivetServer".
  Metrics first;
  std::string bound;
  REQUIRE(first.Serve("127.0.0.1:0", &bound).ok());
  Metrics second;
  std::string unused;
  const Status s = second.Serve(bound, &unused);
  CHECK(s.code() == Status::Code::kUnavailable);
  CHECK_THAT(s.message(), Catch::Contains("cannot listen on " + bound));
  CHECK_THAT(s.message(), Catch::Contains("in use"));
}

TEST_CASE("Process metrics and build info are exported", "[metrics]") {
  Metrics m;
  const std::string text = m.Scrape();
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                           "process_virtual_memory_bytes ", "process_open_fds ",
                           "process_start_time_seconds ", "chainaccel_build_info{version=\""}) {
    INFO(name);
    CHECK_THAT(text, Catch::Contains(name));
  }
  CHECK_THAT(text, !Catch::Contains("process_resident_memory_bytes 0\n"));
}

}  // namespace
}  // namespace chainaccel::server

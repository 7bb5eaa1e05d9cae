// Metrics: the execution families as /metrics shows them.
#include "server/metrics.h"

#include <catch2/catch.hpp>

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
  m.RecordBlockPhases(0.004, 0.012, 0.0002, 0.045);
  m.RecordBlockPhases(0.006, 0.020, 0.0003, 0.055);
  const std::string text = m.Scrape();
  for (const char* phase : {"verify", "execute", "root", "commit"}) {
    CHECK_THAT(text, Catch::Contains("chainaccel_execution_phase_seconds_count{phase=\"" +
                                     std::string(phase) + "\"} 2"));
  }
  // 45 and 55 ms both fall in the commit phase's 50 ms .. 100 ms buckets: one at or below
  // 0.05, both at or below 0.1.
  CHECK_THAT(text, Catch::Contains(
                       "chainaccel_execution_phase_seconds_bucket{phase=\"commit\",le=\"0.05\"} 1"));
  CHECK_THAT(text, Catch::Contains(
                       "chainaccel_execution_phase_seconds_bucket{phase=\"commit\",le=\"0.1\"} 2"));
}

}  // namespace
}  // namespace chainaccel::server

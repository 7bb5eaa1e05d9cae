#include "execution/testing/wat.h"

#include <wabt/binary-writer.h>
#include <wabt/error-formatter.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace chainaccel::exec::testing {

std::vector<uint8_t> WatToWasm(std::string_view wat) {
  wabt::Errors errors;
  auto lexer = wabt::WastLexer::CreateBufferLexer("test.wat", wat.data(), wat.size(), &errors);
  std::unique_ptr<wabt::Module> module;
  wabt::Features features;
  wabt::WastParseOptions options(features);
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors, &options))) {
    std::fprintf(stderr, "WatToWasm: %s\n",
                 errors.empty() ? "parse error" : errors.front().message.c_str());
    std::abort();
  }
  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions write_options(features, true, false, false);
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), write_options))) {
    std::fprintf(stderr, "WatToWasm: cannot write the module\n");
    std::abort();
  }
  return stream.output_buffer().data;
}

std::vector<uint8_t> ExampleContract(std::string_view name) {
  // The environment may point elsewhere (a copy of the tree on another machine).
  const char* dir = std::getenv("CHAINACCEL_EXAMPLE_CONTRACTS_DIR");
  const std::string path = std::string(dir ? dir : CHAINACCEL_EXAMPLE_CONTRACTS_DIR) + "/" +
                           std::string(name) + ".wat";
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "ExampleContract: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return WatToWasm(ss.str());
}

}  // namespace chainaccel::exec::testing

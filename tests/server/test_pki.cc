#include "test_pki.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <fstream>
#include <sstream>

namespace chainaccel::server::testing {

namespace fs = std::filesystem;

namespace {

// No system openssl.cnf: the extensions are all here.
constexpr char kConfig[] =
    "[req]\n"
    "distinguished_name = dn\n"
    "prompt = no\n"
    "[dn]\n"
    "CN = unused\n"
    "[ca]\n"
    "basicConstraints = critical,CA:TRUE\n"
    "keyUsage = critical,keyCertSign,cRLSign\n"
    "subjectKeyIdentifier = hash\n";

}  // namespace

TestPki::TestPki() {
  static std::atomic<int> counter{0};
  dir_ = fs::temp_directory_path() /
         ("chainaccel-pki-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir_);
  Write("openssl.cnf", kConfig);
}

TestPki::~TestPki() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void TestPki::Run(const std::string& command) const {
  const std::string log = Path("openssl.log");
  const int status = std::system((command + " >" + log + " 2>&1").c_str());
  INFO(command << "\n" << Read("openssl.log"));
  REQUIRE(status == 0);
}

void TestPki::MakeCa(const std::string& name) {
  Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -config " + Path("openssl.cnf") + " -extensions ca -subj /CN=" + name +
      " -keyout " + Path(name + ".key") + " -out " + Path(name + ".pem"));
}

void TestPki::MakeLeaf(const std::string& name, const std::string& ca,
                       const std::string& common_name, const std::string& san) {
  std::string extensions =
      "[leaf]\n"
      "basicConstraints = critical,CA:FALSE\n"
      "keyUsage = critical,digitalSignature\n"
      "extendedKeyUsage = serverAuth,clientAuth\n";
  if (!san.empty()) extensions += "subjectAltName = " + san + "\n";
  Write(name + ".ext", extensions);
  Run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
      " -config " + Path("openssl.cnf") + " -subj /CN=" + common_name +
      " -keyout " + Path(name + ".key") + " -out " + Path(name + ".csr"));
  Run("openssl x509 -req -days 2 -in " + Path(name + ".csr") + " -CA " + Path(ca + ".pem") +
      " -CAkey " + Path(ca + ".key") + " -CAcreateserial -extfile " + Path(name + ".ext") +
      " -extensions leaf -out " + Path(name + ".pem"));
}

void TestPki::Write(const std::string& file, const std::string& text) const {
  const std::string tmp = Path(file + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
  }
  fs::rename(tmp, Path(file));
}

std::string TestPki::Read(const std::string& file) const {
  std::ifstream in(Path(file), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace chainaccel::server::testing

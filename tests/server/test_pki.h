// TestPki: certificates made at test time with the `openssl` command, in a temporary
// folder removed at destruction; no key is ever committed. EC P-256 keys, valid for two
// days.
#pragma once

#include <filesystem>
#include <string>

namespace chainaccel::server::testing {

class TestPki {
 public:
  TestPki();  // creates the folder
  ~TestPki();  // removes it

  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // A self-signed CA: <name>.pem and <name>.key. REQUIRE-fails when openssl fails.
  void MakeCa(const std::string& name);
  // A leaf certificate <name>.pem and key <name>.key signed by CA `ca`, with subject
  // CN=`common_name` and, unless `san` is empty, subjectAltName `san`
  // ("DNS:a.test,URI:spiffe://x"); usable as a server and a client certificate.
  void MakeLeaf(const std::string& name, const std::string& ca, const std::string& common_name,
                const std::string& san);

  // The path of `file` ("ca.pem") in the folder.
  std::string Path(const std::string& file) const { return (dir_ / file).string(); }
  // Writes `text` to `file` through a rename, so that a reader sees the old or the new.
  void Write(const std::string& file, const std::string& text) const;
  std::string Read(const std::string& file) const;

 private:
  void Run(const std::string& command) const;

  std::filesystem::path dir_;
};

}  // namespace chainaccel::server::testing

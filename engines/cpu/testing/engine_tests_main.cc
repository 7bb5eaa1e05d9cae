// The main of engine_tests: Catch2's, nothing more.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

// The main of exec_tests: Catch2's, nothing more.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

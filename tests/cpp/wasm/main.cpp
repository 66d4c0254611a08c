// Catch2's main for the wasm build of the C++ suite (`npm run test:wasm`, run by Node). The native
// build links Catch2::Catch2WithMain instead.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

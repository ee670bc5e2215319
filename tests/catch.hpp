// One include for Catch2 2.x (Debian 12 ships 2.13) and Catch2 3.x.
#pragma once
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#define SR_CATCH3 1
#else
#include <catch2/catch.hpp>
#endif

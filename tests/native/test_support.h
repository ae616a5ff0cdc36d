#pragma once
// Helpers shared by the native tests.
#include <gtest/gtest.h>

#include <string>

#include "circlewise/error.h"

// The message of the InputError that `f` throws; the test fails when it throws nothing.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const circlewise::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

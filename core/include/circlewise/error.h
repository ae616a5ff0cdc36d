#pragma once
// The one error type that every parser and option check in core throws. Its message is meant for
// the person who supplied the input: it names the line, column or field, and the allowed range.
#include <stdexcept>
#include <string>

namespace circlewise {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace circlewise

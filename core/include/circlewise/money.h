#pragma once
// Money sums: compensated (Neumaier) summation, so totals over millions of rows do not drift and
// come out the same on every platform.

namespace circlewise {

class MoneySum {
 public:
  void add(double x) {
    double t = sum_ + x;
    if ((sum_ >= 0 ? sum_ : -sum_) >= (x >= 0 ? x : -x)) {
      c_ += (sum_ - t) + x;
    } else {
      c_ += (x - t) + sum_;
    }
    sum_ = t;
  }
  double value() const { return sum_ + c_; }

 private:
  double sum_ = 0;
  double c_ = 0;
};

}  // namespace circlewise

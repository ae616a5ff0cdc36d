#include "circlewise/segmentation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "circlewise/error.h"
#include "circlewise/money.h"
#include "circlewise/random.h"
#include "circlewise/text.h"
#include "circlewise/timestamp.h"

namespace circlewise {

namespace {

using Index = Eigen::Index;
using MatRef = Eigen::Ref<const RowMatrix>;

const double* row_ptr(const MatRef& x, Index i) { return x.data() + i * x.outerStride(); }

// Plain loop, not an Eigen reduction: Eigen vectorises natively but not in WASM, which would
// change the summation order and so the last bits between the two builds.
inline double sqdist(const double* a, const double* b, Index d) {
  double s = 0;
  for (Index j = 0; j < d; ++j) {
    const double t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

struct Nearest {
  int32_t best = 0;
  double best_d2 = 0;
  double second_d2 = 0;
};

// The centres transposed (column t of every centre contiguous), so that the distances to all
// centres are accumulated side by side: the compiler vectorises across centres (SIMD lanes =
// centres), while each centre's sum still adds its terms in the order t = 0..d-1 — the same bits
// as sqdist(), so every algorithm and both builds agree exactly.
class CentreTable {
 public:
  void load(const RowMatrix& c) {
    k_ = c.rows();
    d_ = c.cols();
    ct_.resize(static_cast<size_t>(k_ * d_));
    acc_.resize(static_cast<size_t>(k_));
    for (Index j = 0; j < k_; ++j)
      for (Index t = 0; t < d_; ++t) ct_[static_cast<size_t>(t * k_ + j)] = c(j, t);
  }
  // Ties go to the lowest centre index (strict <), in every algorithm.
  Nearest nearest(const double* p) {
    double* acc = acc_.data();
    const double* ct = ct_.data();
    const Index k = k_;
    for (Index j = 0; j < k; ++j) acc[j] = 0;
    for (Index t = 0; t < d_; ++t) {
      const double v = p[t];
      const double* row = ct + t * k;
      for (Index j = 0; j < k; ++j) {
        const double diff = v - row[j];
        acc[j] += diff * diff;
      }
    }
    Nearest r;
    r.best_d2 = std::numeric_limits<double>::infinity();
    r.second_d2 = std::numeric_limits<double>::infinity();
    for (Index j = 0; j < k; ++j) {
      const double d2 = acc[j];
      if (d2 < r.best_d2) {
        r.second_d2 = r.best_d2;
        r.best_d2 = d2;
        r.best = static_cast<int32_t>(j);
      } else if (d2 < r.second_d2) {
        r.second_d2 = d2;
      }
    }
    return r;
  }

 private:
  Index k_ = 0, d_ = 0;
  std::vector<double> ct_, acc_;
};

double mean_column_variance(const MatRef& x) {
  const Index n = x.rows(), d = x.cols();
  if (n == 0 || d == 0) return 0;
  double total = 0;
  for (Index j = 0; j < d; ++j) {
    double s = 0;
    for (Index i = 0; i < n; ++i) s += x(i, j);
    const double mean = s / static_cast<double>(n);
    double ss = 0;
    for (Index i = 0; i < n; ++i) ss += (x(i, j) - mean) * (x(i, j) - mean);
    total += ss / static_cast<double>(n);
  }
  return total / static_cast<double>(d);
}

// Half the largest distance between two rows, bounded from above by the distance of the farthest
// row from the mean: the scale of all distances k-means computes.
double data_radius(const MatRef& x) {
  const Index n = x.rows(), d = x.cols();
  std::vector<double> mean(static_cast<size_t>(d), 0.0);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < d; ++j) mean[static_cast<size_t>(j)] += x(i, j);
  for (auto& m : mean) m /= static_cast<double>(std::max<Index>(n, 1));
  double r2 = 0;
  for (Index i = 0; i < n; ++i) r2 = std::max(r2, sqdist(row_ptr(x, i), mean.data(), d));
  return std::sqrt(r2);
}

// Centres = means of their rows, summed in row order (same bits in every algorithm). An empty
// cluster keeps its centre.
void update_centres(const MatRef& x, const std::vector<int32_t>& labels, RowMatrix& c,
                    std::vector<size_t>& sizes) {
  const Index k = c.rows(), d = c.cols(), n = x.rows();
  RowMatrix sums = RowMatrix::Zero(k, d);
  sizes.assign(static_cast<size_t>(k), 0);
  for (Index i = 0; i < n; ++i) {
    const int32_t l = labels[static_cast<size_t>(i)];
    const double* p = row_ptr(x, i);
    double* s = sums.data() + l * d;
    for (Index j = 0; j < d; ++j) s[j] += p[j];
    ++sizes[static_cast<size_t>(l)];
  }
  for (Index j = 0; j < k; ++j) {
    const size_t m = sizes[static_cast<size_t>(j)];
    if (m == 0) continue;
    for (Index t = 0; t < d; ++t) c(j, t) = sums(j, t) / static_cast<double>(m);
  }
}

class Lloyd {
 public:
  explicit Lloyd(const MatRef& x) : x_(x) {}
  size_t assign(const RowMatrix& c, std::vector<int32_t>& labels) {
    size_t changed = 0;
    const Index n = x_.rows();
    table_.load(c);
    for (Index i = 0; i < n; ++i) {
      const int32_t b = table_.nearest(row_ptr(x_, i)).best;
      if (b != labels[static_cast<size_t>(i)]) {
        labels[static_cast<size_t>(i)] = b;
        ++changed;
      }
    }
    return changed;
  }

 private:
  const MatRef& x_;
  CentreTable table_;
};

// Hamerly (2010), "Making k-means even faster". Per row: an upper bound u on the distance to its
// centre and a lower bound l on the distance to any other centre. A row whose u is below both l
// and half the distance from its centre to the nearest other centre cannot change cluster, so it
// is skipped. Every test is made with a safety margin (rounding in the bound updates can never
// make it skip a row whose exact nearest centre changed), and rows that are not skipped go through
// the same full scan as Lloyd: the assignments are exactly Lloyd's.
class Hamerly {
 public:
  Hamerly(const MatRef& x, double radius) : x_(x), margin_(1e-9 * radius) {
    u_.resize(static_cast<size_t>(x.rows()));
    l_.resize(static_cast<size_t>(x.rows()));
  }
  size_t assign(const RowMatrix& c, std::vector<int32_t>& labels) {
    const Index n = x_.rows(), d = x_.cols(), k = c.rows();
    size_t changed = 0;
    table_.load(c);
    if (!initialised_) {
      initialised_ = true;
      for (Index i = 0; i < n; ++i) {
        const auto r = table_.nearest(row_ptr(x_, i));
        const auto si = static_cast<size_t>(i);
        if (labels[si] != r.best) ++changed;
        labels[si] = r.best;
        u_[si] = std::sqrt(r.best_d2);
        l_[si] = std::sqrt(r.second_d2);
      }
      return changed;
    }
    // s[j]: half the distance from centre j to its nearest other centre.
    s_.assign(static_cast<size_t>(k), std::numeric_limits<double>::infinity());
    for (Index a = 0; a < k; ++a)
      for (Index b = a + 1; b < k; ++b) {
        const double h = 0.5 * std::sqrt(sqdist(c.data() + a * d, c.data() + b * d, d));
        s_[static_cast<size_t>(a)] = std::min(s_[static_cast<size_t>(a)], h);
        s_[static_cast<size_t>(b)] = std::min(s_[static_cast<size_t>(b)], h);
      }
    for (Index i = 0; i < n; ++i) {
      const auto si = static_cast<size_t>(i);
      const int32_t a = labels[si];
      const double m = std::max(s_[static_cast<size_t>(a)], l_[si]) - margin_;
      if (u_[si] + margin_ < m) continue;
      const double* p = row_ptr(x_, i);
      u_[si] = std::sqrt(sqdist(p, c.data() + a * d, d));
      if (u_[si] + margin_ < m) continue;
      const auto r = table_.nearest(p);
      if (r.best != a) {
        labels[si] = r.best;
        ++changed;
      }
      u_[si] = std::sqrt(r.best_d2);
      l_[si] = std::sqrt(r.second_d2);
    }
    return changed;
  }
  // After the centres moved from `old_c` to `c`: loosen the bounds by the movements.
  void moved(const RowMatrix& old_c, const RowMatrix& c, const std::vector<int32_t>& labels) {
    const Index k = c.rows(), d = c.cols();
    std::vector<double> p(static_cast<size_t>(k));
    Index first = 0;
    double p1 = -1, p2 = 0;
    for (Index j = 0; j < k; ++j) {
      p[static_cast<size_t>(j)] = std::sqrt(sqdist(old_c.data() + j * d, c.data() + j * d, d));
      if (p[static_cast<size_t>(j)] > p1) {
        p2 = std::max(p1, 0.0);
        p1 = p[static_cast<size_t>(j)];
        first = j;
      } else {
        p2 = std::max(p2, p[static_cast<size_t>(j)]);
      }
    }
    for (size_t i = 0; i < u_.size(); ++i) {
      const int32_t a = labels[i];
      u_[i] += p[static_cast<size_t>(a)];
      l_[i] -= (a == first) ? p2 : p1;
    }
  }

 private:
  const MatRef& x_;
  double margin_;
  bool initialised_ = false;
  std::vector<double> u_, l_, s_;
  CentreTable table_;
};

template <class Algo>
KMeansResult iterate(const MatRef& x, const MatRef& init, const KMeansOptions& o, double tol_abs, Algo& algo) {
  KMeansResult r;
  const Index n = x.rows();
  r.centroids = init;
  r.labels.assign(static_cast<size_t>(n), -1);
  RowMatrix old;
  bool labels_fresh = false;  // labels are nearest to the current centres
  for (size_t it = 1; it <= o.max_iter; ++it) {
    r.iterations = it;
    const size_t changed = algo.assign(r.centroids, r.labels);
    labels_fresh = true;
    if (it > 1 && changed == 0) {
      r.converged = true;
      break;
    }
    old = r.centroids;
    update_centres(x, r.labels, r.centroids, r.sizes);
    labels_fresh = false;
    if constexpr (std::is_same_v<Algo, Hamerly>) algo.moved(old, r.centroids, r.labels);
    double shift = 0;
    for (Index j = 0; j < old.rows(); ++j)
      shift += sqdist(old.data() + j * old.cols(), r.centroids.data() + j * old.cols(), old.cols());
    if (shift <= tol_abs) {
      r.converged = true;
      break;
    }
    // Iterations until convergence are unknown: an estimate that rises quickly, then slows.
    o.progress.at("k-means", static_cast<double>(it) / static_cast<double>(it + 10));
  }
  o.progress.at("k-means", 1);
  // Labels always refer to the final centres.
  if (!labels_fresh) algo.assign(r.centroids, r.labels);
  r.sizes.assign(static_cast<size_t>(r.centroids.rows()), 0);
  double inertia = 0;
  const Index d = x.cols();
  for (Index i = 0; i < n; ++i) {
    const int32_t l = r.labels[static_cast<size_t>(i)];
    ++r.sizes[static_cast<size_t>(l)];
    inertia += sqdist(row_ptr(x, i), r.centroids.data() + l * d, d);
  }
  r.inertia = inertia;
  return r;
}

void check_matrix(const MatRef& x, size_t k) {
  if (k < 1) throw InputError("option \"k\" must be at least 1");
  if (x.cols() < 1) throw InputError("k-means needs at least one column");
  if (static_cast<size_t>(x.rows()) < k)
    throw InputError("option \"k\" = " + std::to_string(k) + " is larger than the number of rows (" +
                     std::to_string(x.rows()) + "); choose k <= " + std::to_string(x.rows()));
  for (Index i = 0; i < x.rows(); ++i) {
    const double* p = row_ptr(x, i);
    for (Index j = 0; j < x.cols(); ++j)
      if (!std::isfinite(p[j]))
        throw InputError("k-means input row " + std::to_string(i) + ", column " + std::to_string(j) +
                         " is " + (std::isnan(p[j]) ? "NaN" : "infinite") + ": every value must be finite");
  }
}

KMeansAlgorithm resolve(KMeansAlgorithm a, Index n) {
  if (a != KMeansAlgorithm::kAuto) return a;
  return n >= 1000 ? KMeansAlgorithm::kHamerly : KMeansAlgorithm::kLloyd;
}

KMeansResult run_from(const MatRef& x, const MatRef& init, const KMeansOptions& o, double tol_abs,
                      double radius) {
  const KMeansAlgorithm a = resolve(o.algorithm, x.rows());
  KMeansResult r;
  if (a == KMeansAlgorithm::kHamerly) {
    Hamerly h(x, radius);
    r = iterate(x, init, o, tol_abs, h);
  } else {
    Lloyd l(x);
    r = iterate(x, init, o, tol_abs, l);
  }
  r.algorithm = a;
  r.restarts.push_back({r.inertia, r.iterations, r.converged});
  return r;
}

const char* algorithm_name(KMeansAlgorithm a) {
  switch (a) {
    case KMeansAlgorithm::kLloyd: return "lloyd";
    case KMeansAlgorithm::kHamerly: return "hamerly";
    default: return "auto";
  }
}

}  // namespace

RowMatrix kmeans_plus_plus(const MatRef& x, size_t k, Rng& rng) {
  const Index n = x.rows(), d = x.cols();
  RowMatrix c(static_cast<Index>(k), d);
  const auto first = static_cast<Index>(rng.below(static_cast<uint64_t>(n)));
  c.row(0) = x.row(first);
  std::vector<double> closest(static_cast<size_t>(n)), trial(static_cast<size_t>(n)),
      best(static_cast<size_t>(n)), cumulative(static_cast<size_t>(n));
  double potential = 0;
  for (Index i = 0; i < n; ++i) {
    closest[static_cast<size_t>(i)] = sqdist(row_ptr(x, i), c.data(), d);
    potential += closest[static_cast<size_t>(i)];
  }
  const size_t trials = 2 + static_cast<size_t>(std::floor(portable_log(static_cast<double>(k))));
  for (size_t j = 1; j < k; ++j) {
    if (!(potential > 0)) {  // every row sits on a centre already: fewer distinct rows than k
      c.row(static_cast<Index>(j)) = c.row(0);
      continue;
    }
    double run = 0;
    for (Index i = 0; i < n; ++i) cumulative[static_cast<size_t>(i)] = (run += closest[static_cast<size_t>(i)]);
    Index chosen = -1;
    double chosen_potential = std::numeric_limits<double>::infinity();
    for (size_t t = 0; t < trials; ++t) {
      const double target = rng.uniform() * run;
      auto it = std::upper_bound(cumulative.begin(), cumulative.end(), target);
      Index cand = it == cumulative.end() ? n - 1 : static_cast<Index>(it - cumulative.begin());
      // Rounding can land on a row with zero weight only at the very end; step back to one with weight.
      while (cand > 0 && closest[static_cast<size_t>(cand)] == 0) --cand;
      double pot = 0;
      const double* pc = row_ptr(x, cand);
      for (Index i = 0; i < n; ++i) {
        const auto si = static_cast<size_t>(i);
        trial[si] = std::min(closest[si], sqdist(row_ptr(x, i), pc, d));
        pot += trial[si];
      }
      if (pot < chosen_potential) {
        chosen_potential = pot;
        chosen = cand;
        best.swap(trial);
      }
    }
    c.row(static_cast<Index>(j)) = x.row(chosen);
    closest.swap(best);
    potential = chosen_potential;
  }
  return c;
}

KMeansResult kmeans_from(const MatRef& x, const MatRef& init, const KMeansOptions& options) {
  check_matrix(x, static_cast<size_t>(init.rows()));
  if (init.cols() != x.cols())
    throw InputError("initial centres have " + std::to_string(init.cols()) + " columns, the data " +
                     std::to_string(x.cols()));
  return run_from(x, init, options, options.tol * mean_column_variance(x), data_radius(x));
}

KMeansResult kmeans(const MatRef& x, const KMeansOptions& o) {
  check_matrix(x, o.k);
  if (o.n_init < 1) throw InputError("option \"nInit\" must be at least 1");
  const double tol_abs = o.tol * mean_column_variance(x);
  const double radius = data_radius(x);
  Rng rng(o.seed);
  KMeansResult best;
  std::vector<KMeansRestart> restarts;
  KMeansOptions ro = o;
  for (size_t r = 0; r < o.n_init; ++r) {
    const double n = static_cast<double>(o.n_init);
    ro.progress = o.progress.part(static_cast<double>(r) / n, static_cast<double>(r + 1) / n);
    RowMatrix init = kmeans_plus_plus(x, o.k, rng);
    KMeansResult res = run_from(x, init, ro, tol_abs, radius);
    restarts.push_back(res.restarts.front());
    if (r == 0 || res.inertia < best.inertia) {
      best = std::move(res);
      best.best_restart = r;
    }
  }
  best.restarts = std::move(restarts);
  return best;
}

double silhouette(const MatRef& x, const std::vector<int32_t>& labels, const std::vector<size_t>& sample) {
  if (sample.size() < 2) return 0;
  int32_t k = 0;
  for (size_t i : sample) k = std::max(k, labels[i] + 1);
  std::vector<size_t> count(static_cast<size_t>(k), 0);
  for (size_t i : sample) ++count[static_cast<size_t>(labels[i])];
  size_t nonempty = 0;
  for (size_t c : count) nonempty += c > 0;
  if (nonempty < 2) return 0;
  const Index d = x.cols();
  std::vector<double> sums(static_cast<size_t>(k));
  double total = 0;
  for (size_t i : sample) {
    std::fill(sums.begin(), sums.end(), 0.0);
    const double* p = row_ptr(x, static_cast<Index>(i));
    for (size_t j : sample)
      if (j != i) sums[static_cast<size_t>(labels[j])] += std::sqrt(sqdist(p, row_ptr(x, static_cast<Index>(j)), d));
    const auto own = static_cast<size_t>(labels[i]);
    if (count[own] < 2) continue;  // singleton: 0
    const double a = sums[own] / static_cast<double>(count[own] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (size_t c = 0; c < count.size(); ++c)
      if (c != own && count[c] > 0) b = std::min(b, sums[c] / static_cast<double>(count[c]));
    const double m = std::max(a, b);
    if (m > 0) total += (b - a) / m;
  }
  return total / static_cast<double>(sample.size());
}

double adjusted_rand_index(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  if (a.size() != b.size()) throw InputError("adjusted Rand index: labellings of different lengths");
  std::map<std::pair<int32_t, int32_t>, double> cells;
  std::map<int32_t, double> rows, cols;
  for (size_t i = 0; i < a.size(); ++i) {
    cells[{a[i], b[i]}] += 1;
    rows[a[i]] += 1;
    cols[b[i]] += 1;
  }
  auto c2 = [](double m) { return m * (m - 1) / 2; };
  double index = 0, sa = 0, sb = 0;
  for (const auto& [_, m] : cells) index += c2(m);
  for (const auto& [_, m] : rows) sa += c2(m);
  for (const auto& [_, m] : cols) sb += c2(m);
  const double pairs = c2(static_cast<double>(a.size()));
  const double expected = pairs > 0 ? sa * sb / pairs : 0;
  const double max_index = (sa + sb) / 2;
  if (max_index == expected) return 1.0;
  return (index - expected) / (max_index - expected);
}

// ───────────────────────────── segmentation ─────────────────────────────

namespace {

std::vector<size_t> seeded_sample(size_t n, size_t want, uint64_t seed) {
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), size_t{0});
  if (want >= n) return idx;
  // A stream distinct from the k-means restarts', so sampling never shifts their seeds.
  Rng rng(seed ^ 0x5113e77e5a3b1e00ULL);
  for (size_t i = 0; i < want; ++i) std::swap(idx[i], idx[i + rng.below(n - i)]);
  idx.resize(want);
  std::sort(idx.begin(), idx.end());
  return idx;
}

int round_score(double s) { return std::clamp(static_cast<int>(std::floor(s + 0.5)), 1, 5); }

std::string fixed(double v, int digits) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(digits);
  o << v;
  return o.str();
}

}  // namespace

SegmentationResult segment(LearnerFeatures features, const SegmentationOptions& o) {
  SegmentationResult r;
  r.features = std::move(features);
  const LearnerFeatures& f = r.features;
  const size_t n = f.size();
  std::vector<LearnerFeature> columns = o.columns;
  if (columns.empty())
    for (int i = 0; i < kLearnerFeatureCount; ++i) columns.push_back(static_cast<LearnerFeature>(i));
  r.standardized = standardize(f, columns);
  r.rfm = rfm_scores(f);
  const RowMatrix& x = r.standardized.x;

  if (o.auto_k) {
    if (n < 3)
      throw InputError("automatic k needs at least 3 learners (the silhouette compares 2..n-1 clusters); found " +
                       std::to_string(n));
    AutoKChoice choice;
    const size_t k_max = std::min(o.k_max, n - 1);
    const std::vector<size_t> sample = seeded_sample(n, o.silhouette_sample, o.kmeans.seed);
    choice.sample_size = sample.size();
    KMeansOptions ko = o.kmeans;
    double best = -2;
    for (size_t k = o.k_min; k <= k_max; ++k) {
      ko.k = k;
      const double tries = static_cast<double>(k_max - o.k_min + 1), i = static_cast<double>(k - o.k_min);
      ko.progress = o.kmeans.progress.part(i / tries, (i + 1) / tries);
      KMeansResult km = kmeans(x, ko);
      const double s = silhouette(x, km.labels, sample);
      choice.tried.push_back({k, s, km.inertia});
      if (s > best) {  // strict: on a tie the smaller k wins (fewer segments to act on)
        best = s;
        choice.chosen = k;
        r.kmeans = std::move(km);
      }
    }
    std::ostringstream why;
    why << "k = " << choice.chosen << " has the highest mean silhouette (" << fixed(best, 3)
        << ") among k = " << o.k_min << ".." << k_max << " on a seeded sample of " << choice.sample_size
        << " learners";
    const AutoKChoice::Tried* runner = nullptr;
    for (const auto& t : choice.tried)
      if (t.k != choice.chosen && (!runner || t.silhouette > runner->silhouette)) runner = &t;
    if (runner) why << "; runner-up k = " << runner->k << " (" << fixed(runner->silhouette, 3) << ")";
    if (k_max < o.k_max) why << "; kMax was lowered to " << k_max << " = learners - 1";
    why << ". Silhouette near 1: tight, well-separated segments; near 0: overlapping.";
    choice.reason = why.str();
    r.auto_k = std::move(choice);
  } else {
    if (o.kmeans.k > n)
      throw InputError("option \"k\" = " + std::to_string(o.kmeans.k) + " is larger than the number of learners (" +
                       std::to_string(n) + "); choose k <= " + std::to_string(n));
    r.kmeans = kmeans(x, o.kmeans);
  }

  const size_t k = static_cast<size_t>(r.kmeans.centroids.rows());
  r.segments.resize(k);
  std::vector<MoneySum> revenue(k);
  std::vector<std::map<int32_t, size_t>> comm(k);
  MoneySum total;
  for (auto& s : r.segments) s.centroid.assign(kLearnerFeatureCount, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const auto j = static_cast<size_t>(r.kmeans.labels[i]);
    Segment& s = r.segments[j];
    ++s.size;
    const auto row = f.raw.row(static_cast<Index>(i));
    for (int c = 0; c < kLearnerFeatureCount; ++c) s.centroid[static_cast<size_t>(c)] += row[c];
    revenue[j].add(row[kMonetary]);
    total.add(row[kMonetary]);
    s.r_score += r.rfm.r[i];
    s.fm_score += r.rfm.fm[i];
    ++comm[j][f.community[i]];
  }
  r.total_revenue = total.value();
  for (size_t j = 0; j < k; ++j) {
    Segment& s = r.segments[j];
    s.revenue = revenue[j].value();
    s.revenue_share = r.total_revenue > 0 ? s.revenue / r.total_revenue : 0.0;
    const auto c = r.kmeans.centroids.row(static_cast<Index>(j));
    s.centroid_standardized.assign(c.data(), c.data() + c.size());
    if (s.size > 0) {
      for (auto& v : s.centroid) v /= static_cast<double>(s.size);
      s.r_score /= static_cast<double>(s.size);
      s.fm_score /= static_cast<double>(s.size);
      s.label = rfm_segment(round_score(s.r_score), round_score(s.fm_score));
    }
    s.communities.assign(comm[j].begin(), comm[j].end());
    std::stable_sort(s.communities.begin(), s.communities.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
  }
  return r;
}

// ───────────────────────────── options and output ─────────────────────────────

namespace {

size_t get_count(const nlohmann::json& v, const std::string& name, size_t lo, size_t hi) {
  if (!v.is_number_integer() || v.get<int64_t>() < static_cast<int64_t>(lo) ||
      v.get<int64_t>() > static_cast<int64_t>(hi))
    throw InputError("option \"" + name + "\" must be an integer in " + std::to_string(lo) + ".." +
                     std::to_string(hi));
  return v.get<size_t>();
}

// Returns true when `key` is a k-means option (and applies it).
bool apply_kmeans_option(KMeansOptions& o, const std::string& key, const nlohmann::json& v) {
  if (key == "k") o.k = get_count(v, key, 1, 10000);
  else if (key == "nInit") o.n_init = get_count(v, key, 1, 1000);
  else if (key == "maxIter") o.max_iter = get_count(v, key, 1, 100000);
  else if (key == "tol") {
    if (!v.is_number() || !(v.get<double>() >= 0) || !std::isfinite(v.get<double>()))
      throw InputError("option \"tol\" must be a finite number >= 0");
    o.tol = v.get<double>();
  } else if (key == "seed") {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<double>() > 9007199254740991.0)
      throw InputError("option \"seed\" must be an integer in 0..2^53-1");
    o.seed = v.get<uint64_t>();
  } else if (key == "algorithm") {
    const std::string a = v.is_string() ? v.get<std::string>() : "";
    if (a == "auto") o.algorithm = KMeansAlgorithm::kAuto;
    else if (a == "lloyd") o.algorithm = KMeansAlgorithm::kLloyd;
    else if (a == "hamerly") o.algorithm = KMeansAlgorithm::kHamerly;
    else throw InputError("option \"algorithm\" must be \"auto\", \"lloyd\" or \"hamerly\"");
  } else {
    return false;
  }
  return true;
}

}  // namespace

KMeansOptions kmeans_options_from_json(const nlohmann::json& j) {
  KMeansOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("k-means options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!apply_kmeans_option(o, it.key(), *it))
      throw InputError("unknown k-means option \"" + it.key() + "\" (known: k, nInit, maxIter, tol, seed, algorithm)");
  return o;
}

SegmentationOptions segmentation_options_from_json(const nlohmann::json& j) {
  SegmentationOptions o;
  o.kmeans.k = 4;  // a marketer's default: a handful of segments to act on
  if (j.is_null()) return o;
  if (!j.is_object()) throw InputError("segmentation options must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const auto& v = *it;
    if (apply_kmeans_option(o.kmeans, key, v)) continue;
    if (key == "asOf") {
      if (v.is_null()) continue;
      o.features.has_as_of = true;
      o.features.as_of_ms = as_of_from_json(v);
    } else if (key == "features") {
      if (!v.is_array() || v.empty()) throw InputError("option \"features\" must be a non-empty array of feature names");
      for (const auto& name : v) {
        if (!name.is_string()) throw InputError("option \"features\" must hold feature names (strings)");
        LearnerFeature f = feature_from_name(name.get<std::string>(), "features");
        if (std::find(o.columns.begin(), o.columns.end(), f) != o.columns.end())
          throw InputError("option \"features\": \"" + name.get<std::string>() + "\" is listed twice");
        o.columns.push_back(f);
      }
    } else if (key == "autoK") {
      if (!v.is_boolean()) throw InputError("option \"autoK\" must be true or false");
      o.auto_k = v.get<bool>();
    } else if (key == "kMin") {
      o.k_min = get_count(v, key, 2, 1000);
    } else if (key == "kMax") {
      o.k_max = get_count(v, key, 2, 1000);
    } else if (key == "silhouetteSample") {
      o.silhouette_sample = get_count(v, key, 10, 20000);
    } else {
      throw InputError("unknown segmentation option \"" + key +
                       "\" (known: k, autoK, kMin, kMax, silhouetteSample, nInit, maxIter, tol, seed, "
                       "algorithm, asOf, features)");
    }
  }
  if (o.k_min > o.k_max)
    throw InputError("option \"kMin\" (" + std::to_string(o.k_min) + ") must not exceed \"kMax\" (" +
                     std::to_string(o.k_max) + ")");
  return o;
}

nlohmann::json to_json(const KMeansResult& r) {
  nlohmann::json restarts = nlohmann::json::array();
  for (const auto& s : r.restarts)
    restarts.push_back({{"inertia", s.inertia}, {"iterations", s.iterations}, {"converged", s.converged}});
  size_t empty = 0;
  for (size_t s : r.sizes) empty += s == 0;
  return {{"k", r.centroids.rows()},     {"inertia", r.inertia},         {"iterations", r.iterations},
          {"converged", r.converged},    {"algorithm", algorithm_name(r.algorithm)},
          {"bestRestart", r.best_restart}, {"restarts", restarts},      {"sizes", r.sizes},
          {"emptyClusters", empty}};
}

nlohmann::json to_json(const SegmentationResult& r, const EventLog& log) {
  const LearnerFeatures& f = r.features;
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& c : r.standardized.columns) columns.push_back(to_json(c));
  nlohmann::json segs = nlohmann::json::array();
  const size_t n = f.size();
  for (size_t j = 0; j < r.segments.size(); ++j) {
    const Segment& s = r.segments[j];
    nlohmann::json centroid = nlohmann::json::object();
    for (int c = 0; c < kLearnerFeatureCount; ++c) centroid[std::string(kLearnerFeatureNames[c])] = s.centroid[c];
    nlohmann::json comm = nlohmann::json::array();
    for (const auto& [code, count] : s.communities)
      comm.push_back({{"community", code == kNone ? nlohmann::json(nullptr) : nlohmann::json(log.communities.name(code))},
                      {"learners", count}});
    segs.push_back({{"segment", j},
                    {"label", s.size ? nlohmann::json(rfm_segment_name(s.label)) : nlohmann::json(nullptr)},
                    {"size", s.size},
                    {"share", n ? static_cast<double>(s.size) / static_cast<double>(n) : 0.0},
                    {"revenue", s.revenue},
                    {"revenueShare", s.revenue_share},
                    {"centroid", centroid},
                    {"centroidStandardized", s.centroid_standardized},
                    {"rScore", s.r_score},
                    {"fmScore", s.fm_score},
                    {"communities", comm}});
  }
  nlohmann::json auto_k = nullptr;
  if (r.auto_k) {
    nlohmann::json tried = nlohmann::json::array();
    for (const auto& t : r.auto_k->tried)
      tried.push_back({{"k", t.k}, {"silhouette", t.silhouette}, {"inertia", t.inertia}});
    auto_k = {{"tried", tried}, {"chosen", r.auto_k->chosen}, {"sampleSize", r.auto_k->sample_size},
              {"reason", r.auto_k->reason}};
  }
  return {{"asOf", format_timestamp(f.as_of_ms)},
          {"learners", n},
          {"eventsUsed", f.events_used},
          {"eventsAfterAsOf", f.events_after_as_of},
          {"referrersWithoutEvents", f.referrers_without_events},
          {"features", columns},
          {"totalRevenue", r.total_revenue},
          {"kmeans", to_json(r.kmeans)},
          {"autoK", auto_k},
          {"segments", segs}};
}

std::string to_text(const SegmentationResult& r, const EventLog& log) {
  std::ostringstream o;
  const LearnerFeatures& f = r.features;
  o << "Segmentation of " << f.size() << " learners as of " << format_timestamp(f.as_of_ms) << " ("
    << f.events_used << " events used";
  if (f.events_after_as_of) o << ", " << f.events_after_as_of << " later events ignored";
  o << ")\n";
  o << "Features (transform, then z-score):";
  for (const auto& c : r.standardized.columns) {
    o << " " << kLearnerFeatureNames[c.feature];
    if (c.transform != FeatureTransform::kLinear) o << "[" << transform_name(c.transform) << "]";
    if (c.constant) o << "[constant: ignored]";
  }
  o << "\n";
  if (r.auto_k) {
    o << "Automatic k:";
    for (const auto& t : r.auto_k->tried) o << "  k=" << t.k << " silhouette " << fixed(t.silhouette, 3);
    o << "\n  " << r.auto_k->reason << "\n";
  }
  o << "k-means: k=" << r.kmeans.centroids.rows() << ", inertia " << fixed(r.kmeans.inertia, 2) << ", "
    << r.kmeans.iterations << " iterations" << (r.kmeans.converged ? "" : " (not converged)") << ", best of "
    << r.kmeans.restarts.size() << " restarts\n\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-4s %-20s %9s %7s %12s %9s %10s %9s %10s %8s %8s %10s %7s  %s\n", "seg",
                "label", "learners", "share", "revenue", "rev.share", "recency d", "purchases", "net spend",
                "active d", "courses", "completion", "shares", "top community");
  o << line;
  for (size_t j = 0; j < r.segments.size(); ++j) {
    const Segment& s = r.segments[j];
    const std::string label = s.size ? std::string(rfm_segment_name(s.label)) : "(empty)";
    std::string top = "-";
    if (!s.communities.empty())
      top = s.communities[0].first == kNone ? "(none)" : log.communities.name(s.communities[0].first);
    const double share = f.size() ? 100.0 * static_cast<double>(s.size) / static_cast<double>(f.size()) : 0;
    std::snprintf(line, sizeof line,
                  "%-4zu %-20s %9zu %6.1f%% %12.2f %8.1f%% %10.1f %9.2f %10.2f %8.1f %8.2f %10.2f %7.2f  %s\n", j,
                  label.c_str(), s.size, share, s.revenue, 100 * s.revenue_share, s.centroid[kRecencyDays],
                  s.centroid[kFrequency], s.centroid[kMonetary], s.centroid[kActiveDays],
                  s.centroid[kCoursesEnrolled], s.centroid[kCompletionRate], s.centroid[kShares], top.c_str());
    o << line;
  }
  o << "\nCentroids are the members' means in original units; labels come from the members' mean RFM scores\n"
       "(see docs/segmentation.md).\n";
  return o.str();
}

}  // namespace circlewise

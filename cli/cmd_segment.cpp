// circlewise segment: learner segments by k-means (or classic RFM scores with --rfm).
#include <fstream>
#include <iostream>

#include "circlewise/error.h"
#include "circlewise/rfm.h"
#include "circlewise/segmentation.h"
#include "commands.h"

namespace circlewise::cli {

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

int segment(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"json", "skip-bad-rows", "auto-k", "rfm"});
  auto known = read_flags();
  for (const char* f : {"json", "auto-k", "rfm", "k", "k-min", "k-max", "seed", "n-init", "max-iter", "tol",
                        "algorithm", "as-of", "features", "silhouette-sample", "assignments"})
    known.push_back(f);
  a.allow(known);
  if (a.positional.size() != 1) throw UsageError("segment takes one event log file (or - for stdin)");
  if (a.has("k") && a.has("auto-k")) throw UsageError("give either --k N or --auto-k, not both");

  nlohmann::json opts = nlohmann::json::object();
  const std::pair<const char*, const char*> numeric[] = {{"k", "k"},           {"k-min", "kMin"},
                                                         {"k-max", "kMax"},     {"seed", "seed"},
                                                         {"n-init", "nInit"},   {"max-iter", "maxIter"},
                                                         {"tol", "tol"},        {"silhouette-sample", "silhouetteSample"}};
  for (const auto& [flag, key] : numeric)
    if (a.has(flag)) opts[key] = flag_number_json(a, flag);
  if (a.has("auto-k")) opts["autoK"] = true;
  if (a.has("algorithm")) opts["algorithm"] = a.get("algorithm");
  if (a.has("as-of")) opts["asOf"] = a.get("as-of");
  if (a.has("features")) {
    nlohmann::json list = nlohmann::json::array();
    std::string s = a.get("features");
    for (size_t start = 0; start <= s.size();) {
      size_t end = s.find(',', start);
      if (end == std::string::npos) end = s.size();
      list.push_back(s.substr(start, end - start));
      start = end + 1;
    }
    opts["features"] = list;
  }

  EventLog log = read_log_arg(a);
  const bool json = a.has("json");
  if (a.has("rfm")) {
    nlohmann::json ro = nlohmann::json::object();
    if (opts.contains("asOf")) ro["asOf"] = opts["asOf"];
    for (const auto& [k, _] : opts.items())
      if (k != "asOf") throw UsageError("--rfm takes only --as-of (and --assignments, --json)");
    LearnerFeatures f = learner_features(log, rfm_options_from_json(ro));
    RfmScores s = rfm_scores(f);
    if (a.has("assignments")) {
      std::ofstream out(a.get("assignments"));
      if (!out) throw InputError("cannot write --assignments file \"" + a.get("assignments") + "\"");
      out << "user_id,r,f,m,segment\n";
      for (size_t i = 0; i < f.size(); ++i)
        out << csv_field(log.users.name(f.user[i])) << "," << int(s.r[i]) << "," << int(s.f[i]) << ","
            << int(s.m[i]) << "," << csv_field(std::string(rfm_segment_name(s.segment[i]))) << "\n";
    }
    nlohmann::json j = to_json(s, f);
    if (json) {
      std::cout << j.dump(2) << "\n";
      return 0;
    }
    std::cout << "RFM scores of " << j["learners"] << " learners as of " << j["asOf"].get<std::string>() << "\n\n";
    std::cout << "segment               learners   share   revenue share\n";
    for (const auto& g : j["segments"]) {
      std::string label = g["label"];
      label.resize(20, ' ');
      char line[128];
      std::snprintf(line, sizeof line, "%s  %8zu  %5.1f%%  %12.1f%%\n", label.c_str(), g["learners"].get<size_t>(),
                    100 * g["share"].get<double>(), 100 * g["revenueShare"].get<double>());
      std::cout << line;
    }
    std::cout << "\nScore bands (score: min..max of the raw value):\n";
    for (const char* letter : {"recency", "frequency", "monetary"}) {
      std::cout << "  " << letter << ":";
      for (const auto& b : j["bands"][letter]["scores"])
        if (b["learners"].get<size_t>())
          std::cout << "  " << b["score"] << ": " << b["min"].get<double>() << ".." << b["max"].get<double>();
      std::cout << "\n";
    }
    return 0;
  }

  SegmentationOptions o = segmentation_options_from_json(opts);
  SegmentationResult r = circlewise::segment(learner_features(log, o.features), o);
  if (a.has("assignments")) {
    std::ofstream out(a.get("assignments"));
    if (!out) throw InputError("cannot write --assignments file \"" + a.get("assignments") + "\"");
    out << "user_id,segment,label\n";
    for (size_t i = 0; i < r.features.size(); ++i) {
      const Segment& s = r.segments[static_cast<size_t>(r.kmeans.labels[i])];
      out << csv_field(log.users.name(r.features.user[i])) << "," << r.kmeans.labels[i] << ","
          << csv_field(std::string(rfm_segment_name(s.label))) << "\n";
    }
  }
  if (json) std::cout << to_json(r, log).dump(2) << "\n";
  else std::cout << to_text(r, log);
  return 0;
}

}  // namespace circlewise::cli

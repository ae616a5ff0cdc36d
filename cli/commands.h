#pragma once
// Every circlewise subcommand: one function each (in cmd_<name>.cpp), listed in main.cpp.
#include "args.h"

namespace circlewise::cli {

int inspect(int argc, char** argv);
int generate(int argc, char** argv);
int rules(int argc, char** argv);
int funnel(int argc, char** argv);
int cohorts(int argc, char** argv);
int churn(int argc, char** argv);
int segment(int argc, char** argv);
int curves(int argc, char** argv);
int allocate(int argc, char** argv);
int model(int argc, char** argv);
int ldp(int argc, char** argv);
int abtest(int argc, char** argv);
int ltv(int argc, char** argv);
int communities(int argc, char** argv);
int referrals(int argc, char** argv);
int targets(int argc, char** argv);

}  // namespace circlewise::cli

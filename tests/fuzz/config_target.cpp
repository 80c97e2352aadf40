// Fuzz target: the retort.toml reader, and what a valid config feeds.
#include "compiler/config.h"
#include "compiler/project.h"
#include "emit/registry.h"
#include "tests/fuzz/targets.h"

namespace retort::fuzz {

void fuzz_parse_config(std::string_view data) {
  SourceFile file{"retort.toml", std::string(data)};
  expect_no_internal_error([&] {
    DiagnosticSink sink;
    auto config = parse_config(file, sink);
    render_all_diagnostics(sink, {{file.path, file.text}});
    if (!config) return;
    for (const auto& dialect : config->dialects) {
      std::string error;
      auto target = emit::parse_target(dialect, *config, error);
      if (target) (void)emit::make_renderer(*target);
    }
    // The naming convention's patterns, cut to the strictest target's limit.
    Project project;
    project.config = *config;
    ReplayOptions options = project.replay_options();
    const NamingConvention& naming = options.naming;
    for (const std::string* pattern : {&naming.primary_key, &naming.unique, &naming.foreign_key,
                                       &naming.check, &naming.index, &naming.default_constraint}) {
      (void)apply_naming(*pattern, "table", {"a", "b"}, "other", options.max_name_bytes);
    }
    for (const auto& timeout : {config->emit.lock_timeout, config->emit.statement_timeout}) {
      if (timeout) (void)parse_duration_ms(*timeout);
    }
  });
}

}  // namespace retort::fuzz

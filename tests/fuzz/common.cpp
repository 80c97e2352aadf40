// What the fuzz targets share.
#include "tests/fuzz/targets.h"

namespace retort::fuzz {

void render_all_diagnostics(const DiagnosticSink& sink, const SourceTexts& texts) {
  for (const auto& d : sink.diagnostics()) {
    (void)render_diagnostic(d, texts);
    (void)render_diagnostic(d, texts, {true});
  }
}

}  // namespace retort::fuzz

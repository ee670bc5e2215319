// selfreward/svg.h: a tiny SVG chart writer for the run report (loss curves, per-model
// metrics), so that plots need no Python and no library.
//
//   line_chart: one polyline per series over (x, y) points, axes with "nice" ticks (steps of
//               1, 2 or 5 times a power of ten), light grid, legend on the right.
//   bar_chart:  grouped bars: for each category one bar per group (e.g. categories = metrics,
//               groups = models), y axis from min(0, data) to max(0, data).
// Non-finite values (NaN, inf) are skipped: a line breaks at them, a bar is not drawn. No
// finite data at all gives empty axes over [0, 1]. All text is XML-escaped, so the output is
// well-formed XML whatever the names contain. Series i gets colour i of a fixed 8-colour
// palette (cycling).
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace sr {
namespace svg {

struct Series {
    std::string name;
    std::vector<std::pair<double, double>> points;  // (x, y), drawn in the given order
};

struct BarGroup {
    std::string name;
    std::vector<double> values;  // one per category (sizes must match, else throws)
};

std::string line_chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                       const std::vector<Series>& series);

std::string bar_chart(const std::string& title, const std::vector<std::string>& categories,
                      const std::vector<BarGroup>& groups, const std::string& y_label = "");

// Helpers, exposed for tests.
std::string escape_xml(const std::string& text);
std::vector<double> nice_ticks(double lo, double hi, int target_count = 5);

}  // namespace svg
}  // namespace sr

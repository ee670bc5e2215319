// selfreward/svg.cpp: line and grouped-bar charts as SVG text; see svg.h.
#include "selfreward/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace sr {
namespace svg {

namespace {

// Canvas layout in SVG user units: the plot area is [kLeft, kWidth - kRight] x [kTop, kHeight - kBottom].
const double kWidth = 720, kHeight = 420, kLeft = 70, kRight = 170, kTop = 40, kBottom = 60;
const char* kPalette[8] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                           "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

std::string num(double v) {  // pixel coordinate: 0.1 resolution is plenty on a 720 canvas
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

std::string label(double v) {  // tick label or value: more digits than a coordinate needs
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string text(double x, double y, const std::string& s, const std::string& extra = "") {
    return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"" + (extra.empty() ? "" : " " + extra) + ">" +
           escape_xml(s) + "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, const std::string& style) {
    return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) +
           "\" " + style + "/>\n";
}

double nice_number(double range, bool round) {  // Heckbert's "nice numbers for graph labels"
    const double exponent = std::floor(std::log10(range));
    const double fraction = range / std::pow(10.0, exponent);
    double nice;
    if (round) nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
    else nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
    return nice * std::pow(10.0, exponent);
}

// A y (or x) axis: value range covered by the ticks, and the mapping onto pixels.
struct Axis {
    std::vector<double> ticks;
    double lo = 0, hi = 1, pixel_lo = 0, pixel_hi = 1;
    Axis(double data_lo, double data_hi, double p_lo, double p_hi) : pixel_lo(p_lo), pixel_hi(p_hi) {
        ticks = nice_ticks(data_lo, data_hi);
        lo = ticks.front();
        hi = ticks.back();
    }
    double map(double v) const { return pixel_lo + (v - lo) / (hi - lo) * (pixel_hi - pixel_lo); }
};

std::string header(const std::string& title) {
    std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth) + "\" height=\"" + num(kHeight) +
         "\" viewBox=\"0 0 " + num(kWidth) + " " + num(kHeight) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    s += "<rect x=\"0\" y=\"0\" width=\"" + num(kWidth) + "\" height=\"" + num(kHeight) + "\" fill=\"white\"/>\n";
    s += text(kWidth / 2, 22, title, "text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"");
    return s;
}

// Horizontal grid + y tick labels + both axis lines + the y label.
std::string y_axis(const Axis& y, const std::string& y_label) {
    std::string s;
    const double x0 = kLeft, x1 = kWidth - kRight;
    for (double t : y.ticks) {
        s += line(x0, y.map(t), x1, y.map(t), "stroke=\"#e0e0e0\"");
        s += text(x0 - 6, y.map(t) + 4, label(t), "text-anchor=\"end\"");
    }
    s += line(x0, kTop, x0, kHeight - kBottom, "stroke=\"black\"");
    s += line(x0, kHeight - kBottom, x1, kHeight - kBottom, "stroke=\"black\"");
    const double mid = (kTop + kHeight - kBottom) / 2;
    s += text(18, mid, y_label, "text-anchor=\"middle\" transform=\"rotate(-90 18 " + num(mid) + ")\"");
    return s;
}

std::string legend_entry(size_t i, const std::string& name, bool as_box) {
    const double x = kWidth - kRight + 15, y = kTop + 10 + 20 * static_cast<double>(i);
    const std::string colour = kPalette[i % 8];
    std::string s = as_box ? "<rect x=\"" + num(x) + "\" y=\"" + num(y - 6) + "\" width=\"18\" height=\"10\" fill=\"" +
                                 colour + "\"/>\n"
                           : line(x, y, x + 18, y, "stroke=\"" + colour + "\" stroke-width=\"2\"");
    return s + text(x + 24, y + 4, name);
}

}  // namespace

std::string escape_xml(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:  // control characters are not allowed in XML 1.0: show a space instead
                out += (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ? ' ' : static_cast<char>(c);
        }
    }
    return out;
}

std::vector<double> nice_ticks(double lo, double hi, int target_count) {
    if (!std::isfinite(lo) || !std::isfinite(hi) || !std::isfinite(hi - lo)) { lo = 0; hi = 1; }
    if (lo > hi) std::swap(lo, hi);
    if (lo == hi) {  // a flat line still needs a visible range around it
        const double pad = lo == 0 ? 1.0 : std::fabs(lo) * 0.5;
        lo -= pad;
        hi += pad;
    }
    const double range = nice_number(hi - lo, false);
    const double step = nice_number(range / std::max(1, target_count - 1), true);
    const double first = std::floor(lo / step) * step, last = std::ceil(hi / step) * step;
    const int count = static_cast<int>(std::lround((last - first) / step)) + 1;  // ~target_count
    std::vector<double> ticks;
    for (int k = 0; k < count; k++) {
        const double t = first + k * step;  // k * step, not repeated +=, so no drift
        ticks.push_back(std::fabs(t) < 1e-9 * step ? 0.0 : t);  // no "-0" or 1e-17 labels
    }
    return ticks;
}

std::string line_chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                       const std::vector<Series>& series) {
    // Data range over finite points only.
    double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
    for (const Series& s : series)
        for (const auto& [x, y] : s.points)
            if (std::isfinite(x) && std::isfinite(y)) {
                x_lo = std::min(x_lo, x); x_hi = std::max(x_hi, x);
                y_lo = std::min(y_lo, y); y_hi = std::max(y_hi, y);
            }
    const Axis xa(x_lo, x_hi, kLeft, kWidth - kRight);
    const Axis ya(y_lo, y_hi, kHeight - kBottom, kTop);  // pixel y grows downwards

    std::string s = header(title) + y_axis(ya, y_label);
    for (double t : xa.ticks) {
        s += line(xa.map(t), kHeight - kBottom, xa.map(t), kHeight - kBottom + 5, "stroke=\"black\"");
        s += text(xa.map(t), kHeight - kBottom + 18, label(t), "text-anchor=\"middle\"");
    }
    s += text((kLeft + kWidth - kRight) / 2, kHeight - 15, x_label, "text-anchor=\"middle\"");

    for (size_t i = 0; i < series.size(); i++) {
        const std::string colour = kPalette[i % 8];
        // Split the series into runs of finite points; each run is one polyline.
        std::vector<std::vector<std::pair<double, double>>> runs(1);
        for (const auto& [x, y] : series[i].points) {
            if (std::isfinite(x) && std::isfinite(y)) runs.back().push_back({xa.map(x), ya.map(y)});
            else if (!runs.back().empty()) runs.emplace_back();
        }
        for (const auto& run : runs) {
            if (run.size() == 1) {  // a lone point: a dot, since a one-point line is invisible
                s += "<circle cx=\"" + num(run[0].first) + "\" cy=\"" + num(run[0].second) +
                     "\" r=\"3\" fill=\"" + colour + "\"/>\n";
            } else if (run.size() > 1) {
                s += "<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\" points=\"";
                for (const auto& [px, py] : run) s += num(px) + "," + num(py) + " ";
                s += "\"/>\n";
            }
        }
        s += legend_entry(i, series[i].name, false);
    }
    return s + "</svg>\n";
}

std::string bar_chart(const std::string& title, const std::vector<std::string>& categories,
                      const std::vector<BarGroup>& groups, const std::string& y_label) {
    double lo = 0, hi = 0;  // bars grow from 0, so 0 is always on the axis
    for (const BarGroup& g : groups) {
        if (g.values.size() != categories.size())
            throw std::runtime_error("svg::bar_chart: group '" + g.name + "' has " + std::to_string(g.values.size()) +
                                     " values for " + std::to_string(categories.size()) +
                                     " categories. HINT: one value per category (NaN for none).");
        for (double v : g.values)
            if (std::isfinite(v)) { lo = std::min(lo, v); hi = std::max(hi, v); }
    }
    const Axis ya(lo, hi, kHeight - kBottom, kTop);
    std::string s = header(title) + y_axis(ya, y_label);
    if (ya.lo < 0) s += line(kLeft, ya.map(0), kWidth - kRight, ya.map(0), "stroke=\"black\"");  // bars start here

    const double band = (kWidth - kRight - kLeft) / static_cast<double>(std::max<size_t>(1, categories.size()));
    const double bar = band * 0.8 / static_cast<double>(std::max<size_t>(1, groups.size()));
    for (size_t c = 0; c < categories.size(); c++) {
        const double band_x = kLeft + band * static_cast<double>(c);
        s += text(band_x + band / 2, kHeight - kBottom + 18, categories[c], "text-anchor=\"middle\"");
        for (size_t g = 0; g < groups.size(); g++) {
            const double v = groups[g].values[c];
            if (!std::isfinite(v)) continue;
            const double top = std::min(ya.map(v), ya.map(0)), height = std::fabs(ya.map(v) - ya.map(0));
            s += "<rect x=\"" + num(band_x + band * 0.1 + bar * static_cast<double>(g)) + "\" y=\"" + num(top) +
                 "\" width=\"" + num(bar) + "\" height=\"" + num(height) + "\" fill=\"" + kPalette[g % 8] +
                 "\"><title>" + escape_xml(groups[g].name + " / " + categories[c] + ": " + label(v)) +
                 "</title></rect>\n";
        }
    }
    for (size_t g = 0; g < groups.size(); g++) s += legend_entry(g, groups[g].name, true);
    return s + "</svg>\n";
}

}  // namespace svg
}  // namespace sr

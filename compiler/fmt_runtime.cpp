// fmt's compiled half, built into Retort rather than loaded from libfmt.so:
// `retort` then loads no C++ shared library at start (CMakeLists.txt). The
// non-template functions fmt's headers declare are defined by format-inl.h;
// the templates they declare without defining are instantiated below, for
// `char` (Retort formats no wide strings).
#include <fmt/format-inl.h>

#include <locale>

FMT_BEGIN_NAMESPACE
namespace detail {

template locale_ref::locale_ref(const std::locale& loc);
template auto locale_ref::get<std::locale>() const -> std::locale;
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl<char>(locale_ref) -> char;
template auto dragonbox::to_decimal<float>(float x) noexcept -> dragonbox::decimal_fp<float>;
template auto dragonbox::to_decimal<double>(double x) noexcept -> dragonbox::decimal_fp<double>;

}  // namespace detail
FMT_END_NAMESPACE

// The std::visit helper: a set of lambdas as one visitor.
#pragma once

namespace retort {
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;
}  // namespace retort

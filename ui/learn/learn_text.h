// The Learn walk-through's explanations, written for learners: for each step what is
// computed, its shape and why its cost grows only in proportion to N (softmax steps: why
// theirs grows with N²). Equations are numbered as in the project's design notes.
#pragma once

#include <QString>

namespace fastformer::ui {

// `step` is a LearnStep name (Q K V alpha q P beta k U R A, or scores weights O); `sharedValues`
// says whether the layer takes V = Q. Empty for an unknown name.
QString learnText(const QString& step, bool sharedValues);

}  // namespace fastformer::ui

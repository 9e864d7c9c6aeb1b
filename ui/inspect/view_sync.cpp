// ViewSync: each view's scroll, pin and hover applied to the other, with an echo guard.
#include "inspect/view_sync.h"

#include "inspect/document_view.h"

#include <QScrollBar>

namespace fastformer::ui {

ViewSync::ViewSync(DocumentView* a, DocumentView* b, QObject* parent) : QObject(parent) {
  link(a, b);
  link(b, a);
}

int ViewSync::matchToken(const DocumentView& from, int index, const DocumentView& to) {
  const int character = from.tokenCharacter(index);
  return character < 0 ? -1 : to.tokenAtCharacter(character);
}

void ViewSync::link(DocumentView* from, DocumentView* to) {
  const auto guarded = [this](auto apply) {
    if (busy_) return;
    busy_ = true;
    apply();
    busy_ = false;
  };
  connect(from->verticalScrollBar(), &QScrollBar::valueChanged, this,
          [=] { guarded([&] { to->scrollToCharacter(from->topCharacter()); }); });
  connect(from, &DocumentView::tokenPinned, this,
          [=](int index) { guarded([&] { to->setPinnedToken(index < 0 ? -1 : matchToken(*from, index, *to)); }); });
  connect(from, &DocumentView::tokenHovered, this,
          [=](int index) { guarded([&] { to->showHover(index < 0 ? -1 : matchToken(*from, index, *to)); }); });
}

}  // namespace fastformer::ui

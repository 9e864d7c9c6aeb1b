// Keeps two DocumentViews of one text together: the same top line when either scrolls, the
// same pinned token, and a hover in one underlined in the other. The views may tokenize the
// text differently (two checkpoints): tokens are matched by their first character.
#pragma once

#include <QObject>

namespace fastformer::ui {

class DocumentView;

class ViewSync : public QObject {
  Q_OBJECT
 public:
  ViewSync(DocumentView* a, DocumentView* b, QObject* parent = nullptr);

  // The token of `to` at the character where token `index` of `from` starts (-1: none).
  static int matchToken(const DocumentView& from, int index, const DocumentView& to);

 private:
  void link(DocumentView* from, DocumentView* to);
  bool busy_ = false;  // one view is being moved by the other: do not echo back
};

}  // namespace fastformer::ui

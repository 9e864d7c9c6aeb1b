// DocumentMinimap: a narrow strip beside the document text showing the whole document's
// weights at a glance, like an editor's minimap. Each pixel row is shaded by the largest
// weight of the tokens it covers (so one hot token in a long document stays visible), the
// rows the text view shows are framed, and pressing or dragging asks to scroll there.
#pragma once

#include <QImage>
#include <QPair>
#include <QRgb>
#include <QWidget>

#include <vector>

namespace fastformer::ui {

class DocumentMinimap : public QWidget {
  Q_OBJECT
 public:
  explicit DocumentMinimap(QWidget* parent = nullptr);

  // One weight per token; NaN counts as 0. Shades are weight / maxValue (maxValue ≤ 0: the
  // weights' maximum).
  void setWeights(const std::vector<float>& weights, double maxValue = 0.0);
  // The token range [first, last] the text view shows; (-1, -1) hides the frame.
  void setVisibleRange(int first, int last);

  int tokenCount() const { return static_cast<int>(weights_.size()); }
  double scaleMax() const { return max_; }
  QPair<int, int> visibleRange() const { return visible_; }

  // Row y covers tokens [y·N/H, max(y·N/H + 1, (y+1)·N/H)) in integer arithmetic: a token
  // per row at least, and when N < H every token spans ⌈H/N⌉ or ⌊H/N⌋ rows.
  int tokenAtY(int y) const;  // the row's first token (y clamped to the strip); -1 when empty
  // The rows [top, bottom] whose tokens meet [first, last]; (-1, -1) when none.
  QPair<int, int> rowsForTokens(int first, int last) const;
  QRgb rowColor(int y) const;  // the shade row y is painted with; 0 outside the strip

  QSize sizeHint() const override { return {28, 200}; }
  QSize minimumSizeHint() const override { return {12, 40}; }

 Q_SIGNALS:
  void tokenRequested(int token);

 protected:
  bool event(QEvent* event) override;
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  // Tokens [first, end) of row y for `rows` rows.
  QPair<int, int> rowTokens(int y, int rows) const;
  void ensureImage() const;
  void request(int y);

  std::vector<float> weights_;  // NaN already replaced by 0
  double max_ = 0.0;
  QPair<int, int> visible_{-1, -1};
  int lastRequested_ = -1;
  // Rebuilt lazily when the weights or the size change, so painting only blits.
  mutable std::vector<QRgb> rows_;
  mutable QImage image_;
  mutable QSize builtFor_;
  mutable bool dirty_ = true;
};

}  // namespace fastformer::ui

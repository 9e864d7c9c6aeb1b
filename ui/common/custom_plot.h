// QCustomPlot for a UI built with QT_NO_KEYWORDS: its header still writes `signals:` and
// `foreach`, so they are spelled as Qt's macros while it is read. Include this, never
// <qcustomplot.h> directly.
#pragma once

#define signals Q_SIGNALS
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef foreach
#undef signals

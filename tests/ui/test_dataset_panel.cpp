// The Train form's dataset picker names a built-in corpus however its path is written (the
// same folder relative, with "..", through a link), and only then.
#include "train/dataset_panel.h"
#include "ui_test_registry.h"

#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QTemporaryDir>
#include <QTest>

using namespace fastformer::ui;

class DatasetPanelTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void builtInsAreRecognisedByPath() {
    const auto builtIns = DatasetPanel::builtIns();
    const QString spam = builtIns.front().second;  // the SpamAssassin folder
    if (!QFileInfo(spam).isDir()) QSKIP("data/spamassassin is not fetched");
    QTemporaryDir dir;
    const QString link = dir.filePath("mail");
    QVERIFY(QFile::link(QFileInfo(spam).absoluteFilePath(), link));
    const QString dotted = QFileInfo(spam).absolutePath() + "/../" + QFileInfo(QFileInfo(spam).absolutePath()).fileName() +
                           "/" + QFileInfo(spam).fileName();
    for (const QString& written : {spam, QDir::current().relativeFilePath(spam), dotted, link}) {
      QCOMPARE(DatasetPanel::builtInIndex(written), 0);
    }
    QCOMPARE(DatasetPanel::builtInIndex(builtIns[1].second), 1);  // a synthetic spec, as written
    QCOMPARE(DatasetPanel::builtInIndex("synthetic:needle?length=7"), -1);
    QCOMPARE(DatasetPanel::builtInIndex(dir.path()), -1);
    QCOMPARE(DatasetPanel::builtInIndex(dir.filePath("missing")), -1);

    DatasetPanel panel;
    panel.setSpec(link);
    QCOMPARE(panel.choiceText(), builtIns.front().first);
    panel.setSpec(dir.path());
    QVERIFY(panel.choiceText().startsWith("Custom"));
  }
};

FF_UI_TEST(DatasetPanelTest);

#include "test_dataset_panel.moc"

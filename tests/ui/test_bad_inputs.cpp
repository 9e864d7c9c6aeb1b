// The bad-input corpus (tests/data/bad) and damaged checkpoints through the Studio: every
// file gives a message in the workspace that names it, and nothing crashes.
#include "fastformer/checkpoint.h"
#include "fastformer/model.h"

#include "train/dataset_panel.h"
#include "inspect/inspect_workspace.h"
#include "ui_test_registry.h"

#include <QDir>
#include <QFile>
#include <QLabel>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

using namespace fastformer::ui;

namespace {

const QString kBad = QStringLiteral(FF_BAD_DATA_DIR);

// Every label text of `widget`, joined: what the user reads.
QString shownText(const QWidget& widget) {
  QStringList texts;
  for (const QLabel* label : widget.findChildren<QLabel*>()) texts << label->text();
  return texts.join('\n');
}

}  // namespace

class BadInputsTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

  // A fresh random checkpoint at `name`, for damaging.
  QString checkpoint(const QString& name) {
    fastformer::ModelConfig config;
    config.hidden = 16;
    config.heads = 2;
    config.ffn = 16;
    config.max_len = 8;
    config.vocab_size = 20;
    fastformer::Model model(config);
    const QString path = dir_.filePath(name);
    fastformer::save_checkpoint(path.toStdString(), model, fastformer::default_labels(config.classes));
    return path;
  }

 private Q_SLOTS:
  void datasetsGiveMessages_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("shown");  // a part of what the panel says
    QTest::newRow("empty") << "empty.tsv" << "is empty";
    QTest::newRow("binary") << "binary.tsv" << "looks binary";
    QTest::newRow("all bad") << "all_bad.tsv" << "no usable rows";
    QTest::newRow("missing label") << "missing_label.tsv" << "missing_label.tsv:3: too few columns";
    QTest::newRow("truncated JSON") << "truncated.jsonl" << "truncated.jsonl:2: malformed JSON";
    QTest::newRow("CRLF") << "crlf.tsv" << "2 labels";
  }

  void datasetsGiveMessages() {
    QFETCH(QString, file);
    QFETCH(QString, shown);
    DatasetPanel panel;
    QSignalSpy ready(&panel, &DatasetPanel::previewReady);
    panel.setSpec(QDir(kBad).filePath(file));
    QVERIFY(ready.wait(30000));
    QVERIFY2(shownText(panel).contains(shown), qPrintable(shownText(panel)));
    QVERIFY(panel.preview().error.isEmpty() || panel.preview().error.contains(file));
  }

  void documentsGiveMessages_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty") << "empty.txt" << "is empty";
    QTest::newRow("UTF-16") << "utf16.txt" << "UTF-16";
    QTest::newRow("only markup") << "tags_only.html" << "has no text";
    QTest::newRow("JSON without text") << "no_text.json" << "\"text\"";
  }

  void documentsGiveMessages() {
    QFETCH(QString, file);
    QFETCH(QString, message);
    InspectWorkspace workspace;
    QSignalSpy failed(&workspace, &InspectWorkspace::failed);
    workspace.openDocument(QDir(kBad).filePath(file));
    QCOMPARE(failed.count(), 1);
    const QString text = failed.last().at(0).toString();
    QVERIFY2(text.contains(file) && text.contains(message), qPrintable(text));
    QCOMPARE(workspace.status(), text);
  }

  void damagedCheckpointsGiveMessages() {
    struct Case {
      QString name, message;
      std::function<void(const QString&)> damage;
    };
    const auto edit = [](const QString& path, qint64 at, const QByteArray& bytes) {
      QFile file(path);
      QVERIFY(file.open(QIODevice::ReadWrite));
      QVERIFY(file.seek(at));
      QCOMPARE(file.write(bytes), bytes.size());
    };
    const std::vector<Case> cases{
        {"newer", "format version 7",
         [](const QString& dir) {
           QFile file(dir + "/config.json");
           QVERIFY(file.open(QIODevice::ReadOnly));
           QByteArray json = file.readAll().replace("\"format_version\": 1", "\"format_version\": 7");
           file.close();
           QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
           file.write(json);
         }},
        {"truncated", "runs past the end", [](const QString& dir) { QFile::resize(dir + "/model.safetensors", 1000); }},
        {"huge header", "header length",
         [&](const QString& dir) { edit(dir + "/model.safetensors", 0, QByteArray("\x00\x00\x00\x00\x01\x00\x00\x00", 8)); }},
        {"no config", "config.json", [](const QString& dir) { QFile::remove(dir + "/config.json"); }},
    };
    for (const Case& c : cases) {
      const QString path = checkpoint(c.name);
      c.damage(path);
      InspectWorkspace workspace;
      QSignalSpy failed(&workspace, &InspectWorkspace::failed);
      workspace.openCheckpoint(path);
      QVERIFY2(failed.wait(30000), qPrintable(c.name));
      const QString text = failed.last().at(0).toString();
      QVERIFY2(text.contains(c.message) && text.contains(c.name), qPrintable(c.name + ": " + text));
      QVERIFY(workspace.inspection() == nullptr);
    }
  }
};

FF_UI_TEST(BadInputsTest);

#include "test_bad_inputs.moc"

// File → Import PyTorch model…: the notebook fixture imports off the GUI thread into a
// loadable checkpoint; a bad file leaves the dialog open with the engine's message and
// writes nothing.
#include "fastformer/checkpoint.h"
#include "fastformer/import.h"

#include "inspect/import_dialog.h"
#include "ui_test_registry.h"

#include <QDir>
#include <QLabel>
#include <QTemporaryDir>
#include <QTest>

using namespace fastformer::ui;

namespace {

const std::filesystem::path kFixture = FF_IMPORT_FIXTURE;

}  // namespace

class ImportDialogTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

  fastformer::ImportOptions fixture(const std::filesystem::path& model, const QString& out) {
    fastformer::ImportOptions o;
    o.from = model;
    o.vocab = kFixture / "word_dict.json";
    o.config = kFixture / "fastformer.json";
    o.labels = {"negative", "neutral", "positive"};
    o.out = dir_.filePath(out).toStdString();
    return o;
  }

 private Q_SLOTS:
  void importsTheNotebookFixture() {
    ImportDialog dialog;
    dialog.setOptions(fixture(kFixture / "state_dict.pt", "imported"));
    QCOMPARE(QString::fromStdString(dialog.options().vocab.string()),
             QString::fromStdString((kFixture / "word_dict.json").string()));
    dialog.startImport();
    QTRY_COMPARE_WITH_TIMEOUT(dialog.result(), int(QDialog::Accepted), 20000);
    QCOMPARE(dialog.importedCheckpoint(), dir_.filePath("imported"));
    const fastformer::LoadedCheckpoint loaded = fastformer::load_checkpoint(dir_.filePath("imported").toStdString());
    QCOMPARE(loaded.contents.labels, (std::vector<std::string>{"negative", "neutral", "positive"}));
    QCOMPARE(loaded.contents.config.layers, std::int64_t{2});
    QVERIFY(!loaded.contents.config.cls_token);
  }

  void aPickledModuleIsAMessageNotACheckpoint() {
    ImportDialog dialog;
    dialog.setOptions(fixture(kFixture / "pickled_model.pt", "never"));
    dialog.startImport();
    QTRY_VERIFY_WITH_TIMEOUT(dialog.message()->text().contains("state_dict"), 20000);
    QVERIFY2(dialog.message()->text().contains("holds a pickled __main__.Model"), qPrintable(dialog.message()->text()));
    QVERIFY(dialog.result() != QDialog::Accepted);
    QVERIFY(!QDir(dir_.filePath("never")).exists());
  }

  void theOutputFolderDefaultsBesideTheModel() {
    ImportDialog dialog;
    fastformer::ImportOptions o = fixture("/data/models/spam.pt", "");
    o.out.clear();
    dialog.setOptions(o);
    QCOMPARE(QString::fromStdString(dialog.options().out.string()), QString("/data/models/spam-checkpoint"));
  }
};

FF_UI_TEST(ImportDialogTest);
#include "test_import_dialog.moc"

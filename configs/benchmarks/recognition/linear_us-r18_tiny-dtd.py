# The DTD linear transfer on the built-in tiny DTD (slimmm.TinyDTD, the
# stock layout, written on first use).
_base_ = './linear_us-r18_tiny-flowers102.py'
model = dict(num_classes=47)
tiny = dict(type='slimmm.TinyDTD', data_root='data/tiny_dtd/')
train_dataloader = dict(dataset=tiny)
val_dataloader = dict(dataset=tiny)
test_dataloader = val_dataloader

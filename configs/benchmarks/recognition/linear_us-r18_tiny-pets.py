# The Pets linear transfer on the built-in tiny Oxford-IIIT Pets
# (slimmm.TinyOxfordIIITPet, the stock layout, written on first use).
_base_ = './linear_us-r18_tiny-flowers102.py'
model = dict(num_classes=37)
tiny = dict(type='slimmm.TinyOxfordIIITPet',
            data_root='data/tiny_oxford-iiit-pet/')
train_dataloader = dict(dataset=tiny)
val_dataloader = dict(dataset=tiny)
test_dataloader = val_dataloader
